"""Run streams survive process failures: an API restart and a worker kill -9 in the middle of a
streaming run. Event ids are offsets in the run's durable Temporal stream, so what a client reads
before and after the failure must join into exactly the stream a late reader replays with
`Last-Event-ID: -1`: same ids, events and data, nothing twice, nothing missing.

Each test gets its own stack (API + worker on their own task queue and database), because it stops
and restarts processes; the shared session stacks stay untouched."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from temporalio.testing import WorkflowEnvironment

from tests.conftest import Stack, start_stack
from tests.helpers import assert_eventually

STREAM_MODES = ["values", "updates"]
# Reads must outlast the server's heartbeat comments (15 s) on a quiet stream.
HTTP_TIMEOUT = httpx.Timeout(10.0, read=60.0)

# Background tasks of the running test (stream readers, timers), cancelled when it ends, pass or fail:
# the event loop is shared by the whole session.
_background: list[asyncio.Task[Any]] = []


def spawn(coro: Any) -> asyncio.Task[Any]:
    task = asyncio.create_task(coro)
    _background.append(task)
    return task


@pytest.fixture(autouse=True)
async def _cancel_background() -> AsyncIterator[None]:
    yield
    tasks, _background[:] = list(_background), []
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@dataclass(frozen=True)
class Event:
    id: str | None
    event: str
    data: Any
    received_at: float = field(compare=False)

    @property
    def wire(self) -> tuple[str | None, str, Any]:
        return (self.id, self.event, self.data)


class LiveStream:
    """One SSE response read in the background: events as they arrive, and how the response ended."""

    def __init__(self, http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> None:
        self.events: list[Event] = []
        self.headers: httpx.Headers | None = None
        self.ended_cleanly = False
        self.error: BaseException | None = None
        self._request = (http, method, url, kwargs)
        self._opened = asyncio.get_running_loop().create_future()
        self._task = spawn(self._read())

    async def _read(self) -> None:
        http, method, url, kwargs = self._request
        try:
            async with http.stream(method, url, **kwargs) as response:
                if response.status_code != 200:
                    raise AssertionError(f"{method} {url}: {response.status_code} {(await response.aread())!r}")
                self.headers = response.headers
                self._opened.set_result(None)
                block: dict[str, str] = {}
                async for line in response.aiter_lines():
                    if line.startswith(":"):  # heartbeat comment
                        continue
                    if line == "":
                        if block:
                            data = json.loads(block["data"]) if "data" in block else None
                            self.events.append(Event(block.get("id"), block["event"], data, time.monotonic()))
                        block = {}
                        continue
                    key, _, value = line.partition(":")
                    block[key] = value[1:] if value.startswith(" ") else value
            self.ended_cleanly = True
        except (httpx.TransportError, AssertionError) as exc:
            self.error = exc
            if not self._opened.done():
                self._opened.set_exception(exc)

    async def opened(self) -> httpx.Headers:
        await asyncio.wait_for(asyncio.shield(self._opened), 30)
        assert self.headers is not None
        return self.headers

    @property
    def done(self) -> bool:
        return self._task.done()

    async def until_done(self, timeout: float) -> None:
        await asyncio.wait_for(asyncio.shield(self._task), timeout)


async def read_all(http: httpx.AsyncClient, url: str, last_event_id: str, timeout: float = 60) -> LiveStream:
    stream = LiveStream(http, "GET", url, headers={"Last-Event-ID": last_event_id})
    await stream.until_done(timeout)
    assert stream.ended_cleanly, f"GET {url} (Last-Event-ID {last_event_id}) broke: {stream.error!r}"
    return stream


def executions(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else "(no log)"


def stack_logs(stack: Stack) -> str:
    return "\n".join(f"--- {p.name} ---\n{tail(p)}" for p in sorted(stack.logs.glob("*.log")))


async def moment_when(condition: Callable[[], bool], poll: float = 0.02) -> float:
    """When `condition` first held (monotonic clock): for timing breakdowns, never to wait for state."""
    while not condition():
        await asyncio.sleep(poll)
    return time.monotonic()


def gated_input(tmp_path: Path) -> tuple[dict[str, str], Path, Path]:
    log, gate = tmp_path / "exec.log", tmp_path / "gate"
    return {"label": "c", "log_file": str(log), "gate": str(gate)}, log, gate


async def stream_until_wait_started(
    http: httpx.AsyncClient, thread_id: str, payload: dict[str, Any], log: Path
) -> LiveStream:
    """Start a streaming run on `gated` and read until its `wait` node runs and `first`'s values arrived."""
    live = LiveStream(
        http, "POST", f"/threads/{thread_id}/runs/stream",
        json={"assistant_id": "gated", "input": payload, "stream_mode": STREAM_MODES},
    )
    await live.opened()

    def wait_is_running_and_first_streamed() -> None:
        assert not live.done, f"stream ended early: {live.error!r} {[e.wire for e in live.events]}"
        assert "c:wait-started" in executions(log)
        last = live.events[-1] if live.events else None
        assert last is not None and last.event == "values" and last.data.get("trace") == ["c:first"], live.events

    await assert_eventually(wait_is_running_and_first_streamed, timeout=30)
    return live


def assert_one_uninterrupted_stream(pieces: list[list[Event]], replay: list[Event], context: str) -> None:
    """The pieces, joined, are the replayed stream: ids -1, 0, 1, ... each once, same events and data."""
    joined = [e.wire for piece in pieces for e in piece]
    ids = [event_id for event_id, _e, _d in joined]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"event ids delivered twice: {duplicates}\n{joined}\n{context}"
    assert ids == ["-1", *map(str, range(len(ids) - 1))], f"gap or reorder in event ids: {ids}\n{context}"
    replayed = [e.wire for e in replay]
    assert joined == replayed, f"joined stream differs from the replay\n{joined}\n{replayed}\n{context}"


def assert_gated_stream_shape(events: list[Event], payload: dict[str, str]) -> None:
    """metadata, then values/updates for the input and each of the three nodes, ending with the final values."""
    assert [e.event for e in events] == ["metadata"] + ["values", "updates"] * 3 + ["values"], [e.wire for e in events]
    assert [list(e.data) for e in events if e.event == "updates"] == [["first"], ["wait"], ["last"]]
    assert events[-1].data == {**payload, "trace": ["c:first", "c:wait", "c:last"]}


@pytest.fixture
async def own_stack(env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[Stack]:
    stack = await asyncio.to_thread(start_stack, env, tmp_path / "stack")
    try:
        yield stack
    finally:
        await asyncio.to_thread(stack.stop)


# A graceful stop has this long to end its open streams (Kubernetes' default grace period is 30 s).
GRACEFUL_STOP_SECS = 10.0


def _stop(proc: subprocess.Popen[bytes], sig: signal.Signals, timeout: float) -> float | None:
    """Send `sig` and wait for the exit: how long it took, or None if the process was still there."""
    started = time.monotonic()
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - started


@pytest.mark.timeout(120)
@pytest.mark.parametrize("stop_signal", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
async def test_stream_resumes_across_an_api_restart(
    own_stack: Stack, tmp_path: Path, stop_signal: signal.Signals
) -> None:
    stack = own_stack
    client = get_client(url=stack.url)
    payload, log, gate = gated_input(tmp_path)
    thread_id = (await client.threads.create())["thread_id"]
    port = int(stack.url.rsplit(":", 1)[1])

    async with httpx.AsyncClient(base_url=stack.url, timeout=HTTP_TIMEOUT) as http:
        live = await stream_until_wait_started(http, thread_id, payload, log)
        headers = await live.opened()
        location = headers["location"]
        run_id = live.events[0].data["run_id"]
        assert location == f"/threads/{thread_id}/runs/{run_id}/stream"

        # Stop the API that serves the stream with the client still connected (kill -9: a crash;
        # SIGTERM: a rolling deploy, which must not wait for the run to end), then start a new API
        # process on the same port.
        old_api = stack.api
        assert old_api is not None
        try:
            stop_s = await asyncio.to_thread(_stop, old_api, stop_signal, GRACEFUL_STOP_SECS)
        finally:
            if old_api.poll() is None:  # still serving after the grace period: what an orchestrator does
                old_api.kill()
                old_api.wait(timeout=10)
        await live.until_done(30)  # the old connection is gone with its process
        before = list(live.events)
        stopped = f"exited after {stop_s:.2f} s" if stop_s is not None else f"still up after {GRACEFUL_STOP_SECS:.0f} s"
        ending = "cleanly" if live.ended_cleanly else f"with {live.error!r}"
        print(f"\n{stop_signal.name}: old API {stopped}; its stream ended {ending} after id {before[-1].id}")
        assert before[-1].data.get("trace") == ["c:first"], [e.wire for e in before]

        stack.start_api(port)
        await asyncio.to_thread(stack.wait_ready)
        gate.touch()

        # Reconnect where the SDKs do: the Location of the first response, after the last id seen.
        after = await read_all(http, location, before[-1].id)
        replay = await read_all(http, location, "-1")

    context = stack_logs(stack)
    assert_one_uninterrupted_stream([before, after.events], replay.events, context)
    assert_gated_stream_shape(replay.events, payload)
    assert after.events, "nothing streamed after the reconnect"
    run = await client.runs.get(thread_id, run_id)
    assert run["status"] == "success", (run, context)
    assert replay.events[-1].data == (await client.threads.get_state(thread_id))["values"]
    # The API restart touched no node: each ran exactly once.
    assert executions(log) == ["c:first", "c:wait-started", "c:wait-done", "c:last"], context
    # Checked last, so the resume above is verified either way.
    assert stop_s is not None, (
        f"the API ignored {stop_signal.name} for {GRACEFUL_STOP_SECS:.0f} s while a run's stream was open "
        f"(it waits for the run to end)\n{tail(stack.logs / 'api.log')}"
    )


@pytest.mark.timeout(150)
async def test_stream_survives_a_worker_kill(own_stack: Stack, tmp_path: Path) -> None:
    stack = own_stack
    client = get_client(url=stack.url)
    payload, log, gate = gated_input(tmp_path)
    thread_id = (await client.threads.create())["thread_id"]

    async with httpx.AsyncClient(base_url=stack.url, timeout=HTTP_TIMEOUT) as http:
        live = await stream_until_wait_started(http, thread_id, payload, log)
        location = (await live.opened())["location"]
        run_id = live.events[0].data["run_id"]
        seen_before_kill = len(live.events)

        worker_log = stack.logs / "worker.log"
        pollers_before = tail(worker_log, 10_000).count("worker polling task queue")
        stack.kill_worker()
        killed_at = time.monotonic()
        stack.start_worker()
        restarted_at = time.monotonic()
        gate.touch()
        # Timing breakdown only: when the new worker polls, and when it re-runs the interrupted node.
        polling = spawn(
            moment_when(lambda: tail(worker_log, 10_000).count("worker polling task queue") > pollers_before)
        )
        rerun = spawn(moment_when(lambda: executions(log).count("c:wait-started") >= 2))

        # Keep reading the same response; if the API dropped it, reconnect after the last id seen.
        pieces: list[list[Event]] = []
        await live.until_done(100)
        pieces.append(list(live.events))
        reconnects = 0
        while not live.ended_cleanly:
            reconnects += 1
            assert reconnects <= 3, f"stream keeps breaking: {live.error!r}\n{stack_logs(stack)}"
            last_id = [e.id for piece in pieces for e in piece][-1]
            live = LiveStream(http, "GET", location, headers={"Last-Event-ID": last_id})
            await live.until_done(100)
            pieces.append(list(live.events))
        replay = await read_all(http, location, "-1")

    breakdown = {
        name: f"{task.result() - restarted_at:.2f} s" if task.done() else "not seen"
        for name, task in (("polling", polling), ("node re-run", rerun))
    }
    received = [e for piece in pieces for e in piece]
    resumed = [e for e in received[seen_before_kill:] if e.received_at >= restarted_at]
    context = stack_logs(stack)
    assert resumed, f"no event after the worker restart\n{context}"
    print(
        f"\nworker kill -9 mid-node: first event after the new worker started in "
        f"{resumed[0].received_at - restarted_at:.2f} s ({resumed[0].received_at - killed_at:.2f} s after the kill), "
        f"event {resumed[0].id} {resumed[0].event}; reconnects: {reconnects}; "
        f"after the new worker started: {', '.join(f'{k} {v}' for k, v in breakdown.items())}"
    )

    assert_one_uninterrupted_stream(pieces, replay.events, context)
    assert_gated_stream_shape(replay.events, payload)
    run = await client.runs.get(thread_id, run_id)
    assert run["status"] == "success", (run, context)
    assert replay.events[-1].data == (await client.threads.get_state(thread_id))["values"]

    ran = executions(log)
    assert ran.count("c:first") == 1, ran  # finished before the kill: never again
    assert ran.count("c:wait-started") == 2, ran  # interrupted by the kill: retried once on the new worker
    assert ran.count("c:last") == 1, ran
