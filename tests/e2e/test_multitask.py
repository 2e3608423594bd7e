"""Double-texting on a busy thread: `reject` answers 409, `enqueue` runs in submission order."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import ConflictError, NotFoundError, UnprocessableEntityError

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(90)


def gated_input(tmp_path: Path, label: str) -> dict[str, str]:
    return {"label": label, "log_file": str(tmp_path / "exec.log"), "gate": str(tmp_path / "gate")}


async def test_reject_and_enqueue_on_a_busy_thread(stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    first = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "one"))

    with pytest.raises(ConflictError) as rejected:
        await client.runs.create(tid, "gated", input=gated_input(tmp_path, "x"), multitask_strategy="reject")
    assert rejected.value.response.json() == {
        "detail": "Thread is already running a task. Wait for it to finish or choose a different multitask strategy."
    }

    second = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "two"), multitask_strategy="enqueue")
    third = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "three"))
    assert (await client.runs.get(tid, second["run_id"]))["status"] == "pending"
    assert (await client.threads.get(tid))["status"] == "busy"
    # The rejected run left nothing behind.
    assert [r["run_id"] for r in await client.runs.list(tid)] == [third["run_id"], second["run_id"], first["run_id"]]

    (tmp_path / "gate").touch()
    values = await client.runs.join(tid, third["run_id"])
    assert values["trace"] == [f"{label}:{node}" for label in ("one", "two", "three") for node in ("first", "wait", "last")]
    assert [r["status"] for r in await client.runs.list(tid)] == ["success"] * 3
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_concurrent_rejects_admit_exactly_one(stack: Stack, tmp_path: Path) -> None:
    """50 concurrent creates with `reject`, served by two API processes: one run, 49 × 409."""
    with stack.extra_api() as second_api:
        clients = [get_client(url=stack.url), get_client(url=second_api)]
        tid = (await clients[0].threads.create())["thread_id"]

        async def attempt(i: int) -> str:
            try:
                await clients[i % 2].runs.create(
                    tid, "gated", input=gated_input(tmp_path, f"r{i}"), multitask_strategy="reject"
                )
                return "accepted"
            except ConflictError:
                return "rejected"

        outcomes = await asyncio.gather(*(attempt(i) for i in range(50)))
    client = clients[0]
    assert sorted(outcomes) == ["accepted"] + ["rejected"] * 49
    (tmp_path / "gate").touch()
    [run] = await client.runs.list(tid)
    await client.runs.join(tid, run["run_id"])
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"


async def test_errors_are_typed(stack: Stack) -> None:
    client = get_client(url=stack.url)
    with pytest.raises(NotFoundError):
        await client.threads.get("00000000-0000-4000-8000-000000000000")
    thread = await client.threads.create()
    with pytest.raises(UnprocessableEntityError) as unknown:  # neither an assistant's UUID nor a graph id
        await client.runs.create(thread["thread_id"], "no-such-graph", input={})
    assert "no-such-graph" in unknown.value.response.json()["detail"]
    with pytest.raises(NotFoundError):
        await client.runs.get(thread["thread_id"], "00000000-0000-4000-8000-000000000000")
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=thread["thread_id"])
    assert (await client.threads.create(thread_id=thread["thread_id"], if_exists="do_nothing"))["thread_id"] == thread["thread_id"]
    with pytest.raises(UnprocessableEntityError):
        await client.runs.create(thread["thread_id"], "agent", input={}, multitask_strategy="sometimes")  # type: ignore[arg-type]


async def test_failing_run_records_error(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "failing", input={"value": 1})
    result = await client.runs.join(tid, run["run_id"])
    assert result == {"__error__": {"error": "ValueError", "message": "boom: this node always fails"}}
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "error"
    thread = await client.threads.get(tid)
    assert thread["status"] == "error"
    assert thread["error"] == result["__error__"]


async def _wait_started(log: Path, event: str) -> None:
    from tests.helpers import assert_eventually

    def started() -> None:
        assert log.exists() and event in log.read_text().splitlines()

    await assert_eventually(started)


async def test_interrupt_stops_the_running_run_and_continues_from_its_work(stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "a"))
    await _wait_started(tmp_path / "exec.log", "a:wait-started")
    second = await client.runs.create(
        tid, "gated", input={"label": "b", "gate": ""}, multitask_strategy="interrupt"
    )
    result = await client.runs.join(tid, second["run_id"])
    # The interrupted run kept what it wrote (its first node); the new run started from there.
    assert result["trace"] == ["a:first", "b:first", "b:wait", "b:last"]
    assert (await client.runs.get(tid, first["run_id"]))["status"] == "interrupted"
    assert "a:wait-done" not in (tmp_path / "exec.log").read_text().splitlines()
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_rollback_deletes_the_running_run_and_its_checkpoints(stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "a"))
    await _wait_started(tmp_path / "exec.log", "a:wait-started")
    second = await client.runs.create(
        tid, "gated", input={"label": "b", "gate": ""}, multitask_strategy="rollback"
    )
    result = await client.runs.join(tid, second["run_id"])
    assert result["trace"] == ["b:first", "b:wait", "b:last"]  # nothing of the rolled-back run
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, first["run_id"])
    history = await client.threads.get_history(tid, limit=50)
    assert {h["metadata"].get("run_id") for h in history} == {second["run_id"]}
    assert [r["run_id"] for r in await client.runs.list(tid)] == [second["run_id"]]


async def test_strategies_on_wait_and_stream(stack: Stack, tmp_path: Path) -> None:
    """The strategies apply the same to `runs.wait` and `runs.stream` as to `runs.create`."""
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "a"))
    await _wait_started(tmp_path / "exec.log", "a:wait-started")

    # (The SDK raises its typed ConflictError from create; wait and stream raise httpx's base error.)
    with pytest.raises(httpx.HTTPStatusError) as on_wait:
        await client.runs.wait(tid, "gated", input={"label": "w"}, multitask_strategy="reject")
    with pytest.raises(httpx.HTTPStatusError) as on_stream:
        async for _part in client.runs.stream(tid, "gated", input={"label": "s"}, multitask_strategy="reject"):
            pass
    assert on_wait.value.response.status_code == on_stream.value.response.status_code == 409

    parts = [
        part
        async for part in client.runs.stream(
            tid, "gated", input={"label": "b", "gate": ""}, multitask_strategy="rollback", stream_mode="values"
        )
    ]
    assert parts[0].event == "metadata"
    assert parts[-1].data["trace"] == ["b:first", "b:wait", "b:last"]
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, first["run_id"])

    third = await client.runs.create(tid, "gated", input=gated_input(tmp_path, "c"))
    await _wait_started(tmp_path / "exec.log", "c:wait-started")
    values = await client.runs.wait(tid, "gated", input={"label": "d", "gate": ""}, multitask_strategy="interrupt")
    assert values["trace"] == ["b:first", "b:wait", "b:last", "c:first", "d:first", "d:wait", "d:last"]
    assert (await client.runs.get(tid, third["run_id"]))["status"] == "interrupted"
