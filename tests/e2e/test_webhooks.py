"""Webhooks through the official SDK: a real HTTP receiver gets the official payload when a run ends,
with the project's headers; a receiver that fails is retried by Temporal; a slow receiver never
delays the run's own result; a URL the project's policy refuses is a 422 at creation."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import UnprocessableEntityError

from tests.conftest import Stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(90)


@dataclass
class Receiver:
    """Records every POST by path; `/fail-N/...` answers 500 to the first N calls of that path, and
    `/held/...` answers only once `release` is set."""

    url: str
    calls: dict[str, list[tuple[dict[str, str], Any]]] = field(default_factory=dict)
    release: threading.Event = field(default_factory=threading.Event)

    def bodies(self, path: str) -> list[Any]:
        return [body for _headers, body in self.calls.get(path, [])]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            calls = state.calls.setdefault(self.path, [])
            calls.append((dict(self.headers), body))
            if self.path.startswith("/held/"):
                state.release.wait(30)
            failures = int(self.path.split("/")[1].removeprefix("fail-")) if self.path.startswith("/fail-") else 0
            self.send_response(500 if len(calls) <= failures else 200)
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    server.shutdown()


async def test_a_finished_run_posts_the_official_payload(stack: Stack, receiver: Receiver) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    path = f"/ok/{uuid.uuid4().hex}"
    result = await client.runs.wait(thread["thread_id"], "gated", input={"label": "w"}, webhook=receiver.url + path)

    async def delivered() -> None:
        assert len(receiver.bodies(path)) == 1

    await assert_eventually(delivered)
    headers, payload = receiver.calls[path][0]
    run = (await client.runs.list(thread["thread_id"]))[0]
    assert payload["run_id"] == run["run_id"] and payload["thread_id"] == thread["thread_id"]
    assert payload["assistant_id"] == run["assistant_id"] and payload["status"] == "success"
    assert payload["values"] == result
    assert payload["kwargs"]["webhook"] == receiver.url + path and payload["metadata"] == run["metadata"]
    assert {"created_at", "updated_at", "run_started_at", "run_ended_at", "webhook_sent_at", "multitask_strategy"} <= set(payload)
    assert "error" not in payload
    assert headers["X-Webhook-Secret"] == "s3cret"  # langgraph.json `webhooks.headers`, from the environment


async def test_a_failed_run_posts_its_error_and_a_stateless_run_its_values(stack: Stack, receiver: Receiver) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    failed = f"/failed/{uuid.uuid4().hex}"
    await client.runs.wait(thread["thread_id"], "failing", input={}, webhook=receiver.url + failed, raise_error=False)
    stateless = f"/stateless/{uuid.uuid4().hex}"
    output = await client.runs.wait(None, "gated", input={"label": "s"}, webhook=receiver.url + stateless)

    async def delivered() -> None:
        assert len(receiver.bodies(failed)) == 1 and len(receiver.bodies(stateless)) == 1

    await assert_eventually(delivered)
    error_payload = receiver.bodies(failed)[0]
    assert error_payload["status"] == "error"
    assert error_payload["error"]["error"] and error_payload["error"]["message"]
    assert receiver.bodies(stateless)[0]["values"] == output


async def test_a_failing_receiver_is_retried_until_it_answers(stack: Stack, receiver: Receiver) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    path = f"/fail-2/{uuid.uuid4().hex}"
    await client.runs.wait(thread["thread_id"], "gated", input={"label": "r"}, webhook=receiver.url + path)

    async def third_attempt_answered() -> None:
        assert len(receiver.bodies(path)) == 3

    await assert_eventually(third_attempt_answered, timeout=30)
    first, _second, third = receiver.bodies(path)
    assert first["run_id"] == third["run_id"] and first["values"] == third["values"]


async def test_a_slow_receiver_does_not_hold_the_run(stack: Stack, receiver: Receiver) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    path = f"/held/{uuid.uuid4().hex}"
    # The receiver holds the call until released; the run's result comes first regardless.
    run = await client.runs.create(thread["thread_id"], "gated", input={"label": "h"}, webhook=receiver.url + path)
    await client.runs.join(thread["thread_id"], run["run_id"])

    async def called() -> None:
        assert len(receiver.bodies(path)) == 1

    await assert_eventually(called)
    assert not receiver.release.is_set()  # the run ended while its webhook was still in flight
    assert (await client.runs.get(thread["thread_id"], run["run_id"]))["status"] == "success"
    receiver.release.set()


async def test_a_url_the_policy_refuses_is_a_422_on_every_run_endpoint(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    for bad in ("ftp://example.com/hook", "http://169.254.169.254/latest", "/relative/hook"):
        with pytest.raises(UnprocessableEntityError):
            await client.runs.create(thread["thread_id"], "gated", input={}, webhook=bad)
        # (The SDK's wait and stream raise httpx's own error for a 422.)
        with pytest.raises(httpx.HTTPStatusError) as waited:
            await client.runs.wait(None, "gated", input={}, webhook=bad)
        assert waited.value.response.status_code == 422 and "ebhook" in waited.value.response.json()["detail"]
        with pytest.raises(UnprocessableEntityError, match="ebhook"):
            async for _part in client.runs.stream(thread["thread_id"], "gated", input={}, webhook=bad):
                pass
    assert await client.runs.list(thread["thread_id"]) == []


async def test_a_cron_run_calls_the_cron_webhook(stack: Stack, receiver: Receiver) -> None:
    from temporalio.client import Client

    client = get_client(url=stack.url)
    thread = await client.threads.create()
    path = f"/cron/{uuid.uuid4().hex}"
    cron = await client.crons.create_for_thread(
        thread["thread_id"], "gated", schedule="0 9 * * 1", input={"label": "c"}, webhook=receiver.url + path
    )
    temporal = await Client.connect(stack.env["TEMPORAL_ADDRESS"])
    await temporal.get_schedule_handle(f"cron-{cron['cron_id']}").trigger()

    async def delivered() -> None:
        assert len(receiver.bodies(path)) == 1

    await assert_eventually(delivered)
    payload = receiver.bodies(path)[0]
    assert payload["thread_id"] == thread["thread_id"] and payload["status"] == "success"
    assert payload["kwargs"]["config"]["configurable"]["cron_id"] == cron["cron_id"]
    with pytest.raises(UnprocessableEntityError):
        await client.crons.create("gated", schedule="0 9 * * 1", webhook="ftp://example.com/x")
    await client.crons.delete(cron["cron_id"])
