"""The API differential harness: raw HTTP cases run against the reference server and our stack.

A case (tests/differential/api_cases.py) is an async function of a `Caller`. Every request it makes
through the caller is recorded: the status code, the body, the headers clients use and, for a
stream, the SSE event sequence. The recordings of the two servers are normalized (`normalize`) and
must be equal; the differences we keep on purpose are listed in docs/compatibility.md (section
"API harness: deliberate differences", read by `deliberate_differences()`), each naming its case.

Normalization, so that only what a client could depend on is compared:
- UUIDs (and 32-hex-digit ids such as interrupt ids) become `<id:N>`, numbered per case in the order they are first met (walking dict keys
  sorted), so "the run id in the metadata event is the id the create returned" is still checked;
- timestamps become `<ts>`; an `updated_at` equal to its object's `created_at` becomes
  `<ts=created_at>` (clients rely on a new resource's two being equal);
- keys naming the server itself (`SERVER_IDENTITY_KEYS`: versions, host, plan, request id) are dropped,
  and so are the reference's private `__dunder__` bookkeeping keys in a run's configurable
  (`__request_start_time_ms__`, `__after_seconds__`, `__pregel_node_finished`);
- a 422's `detail` is compared by presence only: both servers name the failing field, in their own
  words (docs/compatibility.md).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
API_PROJECT = Path(__file__).resolve().parent / "api_project"
COMPATIBILITY = ROOT / "docs" / "compatibility.md"

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Ids that are UUIDs without dashes or hashes of them (interrupt ids: a digest of the task's namespace).
_ID = re.compile(_UUID.pattern + r"|\b[0-9a-f]{32}\b")
_TS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
# Checkpoint metadata and run kwargs name the server that wrote them: never the same on two servers.
SERVER_IDENTITY_KEYS = {
    "langgraph_version", "langgraph_api_version", "langgraph_plan", "langgraph_host", "langgraph_api_url",
    "langgraph_request_id",
}
HEADERS = ("content-type", "location", "content-location", "x-pagination-total", "x-pagination-next")


@dataclass
class Exchange:
    """One request and what came back."""

    request: str
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    events: list[dict[str, Any]] | None = None


class CaseFailed(Exception):
    """The case itself could not go on (a precondition it waits for never came)."""


class Caller:
    """What a case uses to talk to one server; records what it is told to."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.exchanges: list[Exchange] = []

    async def req(
        self, method: str, path: str, json_body: Any = None, *, params: dict[str, Any] | None = None,
        record: bool = True, raw: str | None = None, headers: dict[str, str] | None = None,
    ) -> Any:
        """One request; its parsed JSON body (None when empty). `raw` sends that text as the body."""
        kwargs: dict[str, Any] = {"params": params, "headers": headers}
        if raw is not None:
            kwargs["content"] = raw
            kwargs["headers"] = {**(headers or {}), "content-type": "application/json"}
        elif json_body is not None:
            kwargs["json"] = json_body
        response = await self.client.request(method, path, **kwargs)
        body = _parse(response)
        if record:
            self.exchanges.append(
                Exchange(f"{method} {_shape(path)}", response.status_code, body, _headers(response))
            )
        return body

    async def stream(
        self, method: str, path: str, json_body: Any = None, *, headers: dict[str, str] | None = None,
        record: bool = True,
    ) -> list[dict[str, Any]]:
        """A streaming request, read to its end; its SSE events (event name and parsed data)."""
        events: list[dict[str, Any]] = []
        async with self.client.stream(method, path, json=json_body, headers=headers) as response:
            if response.status_code >= 400:
                await response.aread()
                body = _parse(response)
                self.exchanges.append(Exchange(f"{method} {_shape(path)}", response.status_code, body, _headers(response)))
                return events
            event, data = None, []
            async for line in response.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].lstrip())
                elif line == "" and event is not None:
                    text = "\n".join(data)
                    try:
                        parsed = json.loads(text) if text else None
                    except ValueError:
                        parsed = text
                    events.append({"event": event, "data": parsed})
                    event, data = None, []
            if record:
                self.exchanges.append(
                    Exchange(f"{method} {_shape(path)}", response.status_code, None, _headers(response), events)
                )
        return events

    async def protocol_events(
        self, thread_id: str, body: dict[str, Any], *, terminals: int = 1, timeout: float = 30.0,
        ends: tuple[str, ...] = ("completed", "failed"),
    ) -> list[dict[str, Any]]:
        """Agent Protocol v2 events of `POST /threads/{id}/stream/events` (a stream that never ends
        by itself) up to the `terminals`-th root lifecycle event in `ends`, recorded as
        method, namespace, node and data. `seq` must climb (its gaps depend on the channels a server
        makes, so it is not compared) and `event_id` must be there (its format is the server's own)."""
        events: list[dict[str, Any]] = []
        raw: list[dict[str, Any]] = []
        seen = 0

        async def read() -> None:
            nonlocal seen
            async with self.client.stream("POST", f"/threads/{thread_id}/stream/events", json=body) as response:
                if response.status_code >= 400:
                    await response.aread()
                    self.exchanges.append(Exchange("POST /threads/<id>/stream/events", response.status_code, _parse(response)))
                    return
                last_seq = 0
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    event = json.loads(line[5:])
                    params = event["params"]
                    if not (isinstance(event.get("seq"), int) and event["seq"] > last_seq and isinstance(event.get("event_id"), str)):
                        raise CaseFailed(f"an event without a climbing seq or an event_id: {event}")
                    last_seq = event["seq"]
                    raw.append(event)
                    data = params["data"]
                    if event["method"] == "input.requested" and isinstance(data, dict) and data.get("value") == data.get("payload"):
                        # Ours sends the payload as `value` too (the Python SDK reads `value`;
                        # docs/compatibility.md): compared without that copy.
                        data = {k: v for k, v in data.items() if k != "value"}
                    events.append({"event": event["method"], "data": {
                        "namespace": params["namespace"], "node": params.get("node"), "data": data,
                    }})
                    data = params["data"]
                    if event["method"] == "lifecycle" and not params["namespace"] and data.get("event") in ends:
                        seen += 1
                        if seen == terminals:
                            return

        try:
            await asyncio.wait_for(read(), timeout)
        except asyncio.TimeoutError:
            raise CaseFailed(f"the thread's stream did not reach {terminals} root terminal(s); got {events}") from None
        self.exchanges.append(Exchange("POST /threads/<id>/stream/events", 200, None, {}, events))
        return raw

    async def command(self, thread_id: str, command_id: int, method: str, params: dict[str, Any]) -> Any:
        return await self.req("POST", f"/threads/{thread_id}/commands", {"id": command_id, "method": method, "params": params})

    async def thread(self, **body: Any) -> str:
        created = await self.req("POST", "/threads", body, record=False)
        return str(created["thread_id"])

    async def assistant_id(self, graph_id: str) -> str:
        """The graph's system assistant's id (a UUID on both servers)."""
        found = await self.req("POST", "/assistants/search", {"graph_id": graph_id, "limit": 100}, record=False)
        for assistant in found:
            if (assistant.get("metadata") or {}).get("created_by") == "system":
                return str(assistant["assistant_id"])
        raise CaseFailed(f"no system assistant for {graph_id}")

    async def until(self, path: str, done: Callable[[Any], bool], *, timeout: float = 30.0) -> Any:
        """GET `path` (unrecorded) until `done(body)`: how a case waits for a run to reach a state."""
        deadline = time.monotonic() + timeout
        while True:
            body = await self.req("GET", path, record=False)
            if done(body):
                return body
            if time.monotonic() > deadline:
                raise CaseFailed(f"{_shape(path)} never reached the awaited state; last: {body}")
            await asyncio.sleep(0.05)

    def note(self, label: str, value: Any) -> None:
        """Record a value the case computed (e.g. a field of a body it read unrecorded)."""
        self.exchanges.append(Exchange(f"note {label}", 0, value))


def _parse(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return response.text


def _shape(path: str) -> str:
    return _UUID.sub("<id>", path)


def _headers(response: httpx.Response) -> dict[str, str]:
    found = {}
    for name in HEADERS:
        if name in response.headers:
            value = response.headers[name]
            found[name] = "<present>" if name == "x-pagination-next" and value else _shape(value)
    return found


Case = Callable[[Caller], Awaitable[None]]


async def run_case(url: str, case: Case, *, timeout: float = 60.0) -> dict[str, Any]:
    """The case's recorded exchanges against the server at `url` (or where it failed)."""
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as client:
        caller = Caller(client)
        error = None
        try:
            await asyncio.wait_for(case(caller), timeout=timeout)
        except (CaseFailed, httpx.HTTPError, asyncio.TimeoutError, KeyError, TypeError) as exc:
            error = f"{type(exc).__name__}: {exc}"
    return {"exchanges": caller.exchanges, "error": error}


async def run_cases(url: str, cases: dict[str, Case], *, concurrency: int = 8) -> dict[str, dict[str, Any]]:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(name: str, case: Case) -> tuple[str, dict[str, Any]]:
        async with semaphore:
            return name, await run_case(url, case)

    return dict(await asyncio.gather(*(one(n, c) for n, c in cases.items())))


class Normalizer:
    """Ids numbered by first appearance, timestamps masked, server identity dropped."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def _id(self, match: re.Match[str]) -> str:
        return self.ids.setdefault(match.group(0).lower(), f"<id:{len(self.ids)}>")

    def text(self, value: str) -> str:
        return _TS.sub("<ts>", _ID.sub(self._id, value))

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        if isinstance(value, dict):
            out = {}
            for key in sorted(value, key=str):
                if key in SERVER_IDENTITY_KEYS or (isinstance(key, str) and key.startswith("__") and key.endswith(("__", "_finished"))):
                    continue
                if key == "updated_at" and value.get("created_at") is not None and value[key] == value["created_at"]:
                    out[key] = "<ts=created_at>"
                    continue
                out[self.text(str(key))] = self(value[key])
            return out
        return value


def normalize(recorded: dict[str, Any]) -> dict[str, Any]:
    n = Normalizer()
    out = []
    for exchange in recorded["exchanges"]:
        body = exchange.body
        if exchange.status == 422 and isinstance(body, dict) and "detail" in body:
            body = {"detail": "<present>"}
        item: dict[str, Any] = {"request": exchange.request, "status": exchange.status, "body": n(body)}
        if exchange.headers:
            item["headers"] = n(exchange.headers)
        if exchange.events is not None:
            item["events"] = [{"event": e["event"], "data": n(e["data"])} for e in exchange.events]
        out.append(item)
    return {"exchanges": out, "error": recorded["error"]}


def deliberate_differences(path: Path = COMPATIBILITY) -> dict[str, str]:
    """Case name -> why ours differs on purpose, from docs/compatibility.md's API harness section.

    Lines there look like ``- `case_name`: the reason``."""
    text = path.read_text()
    _, _, section = text.partition("## API harness: deliberate differences")
    section = section.split("\n## ", 1)[0]
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"^- `([^`]+)`: (.+)$", section, re.M)}


def diff(expected: Any, actual: Any) -> str:
    import difflib

    a = json.dumps(expected, indent=1, sort_keys=True, default=str).splitlines()
    b = json.dumps(actual, indent=1, sort_keys=True, default=str).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "reference", "ours", lineterm="", n=3))


async def record_on_both(
    environment: object, venv: Path, work: Path, project: Path, cases: dict[str, Case]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Every case on the reference server and on our stack, both serving `project`; each server's
    cases run concurrently."""
    from tests.conftest import start_stack
    from tests.differential.reference import reference_server

    with reference_server(project, venv=venv, log_dir=work) as reference_url:
        stack = await asyncio.to_thread(start_stack, environment, work / "ours", langgraph_config=project / "langgraph.json")
        try:
            return await asyncio.gather(run_cases(reference_url, cases), run_cases(stack.url, cases))  # type: ignore[return-value]
        finally:
            await asyncio.to_thread(stack.stop)


def check_case(name: str, reference: dict[str, Any], ours: dict[str, Any], deliberate: dict[str, str]) -> None:
    """One case's verdict: equal to the reference's, or (listed as deliberate) still different."""
    import pytest

    expected, actual = normalize(reference[name]), normalize(ours[name])
    assert expected["error"] is None, f"the case failed on the reference: {expected['error']}"
    if name in deliberate:
        assert actual != expected, f"{name} is listed as a deliberate difference but no longer differs"
        return
    if actual != expected:
        pytest.fail(f"ours differs from the reference:\n{diff(expected, actual)}", pytrace=False)


class Recording:
    """A project's cases recorded once per test session on both servers, shared by its tests
    (`cases` is read when recording, so a caller may narrow them first: api_observe.py)."""

    def __init__(self, project: Path, cases: Callable[[], dict[str, Case]], label: str) -> None:
        self.project, self.cases, self.label = project, cases, label
        self._task: asyncio.Future[tuple[dict[str, Any], dict[str, Any]]] | None = None

    async def record(self, environment: object, venv: Path, work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        return await record_on_both(environment, venv, work, self.project, self.cases())

    async def __call__(self, environment: object, venv: Path, factory: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if self._task is None:
            self._task = asyncio.ensure_future(self.record(environment, venv, factory.mktemp(self.label)))
        return await asyncio.shield(self._task)
