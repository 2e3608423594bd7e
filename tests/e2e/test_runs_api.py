"""Runs through the official Python SDK: list, get, delete, cancel, delayed, stateless and batch runs."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.conftest import Stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(60)


def _events(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


async def test_list_get_select_and_delete(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    runs = []
    for label in ("a", "b", "c"):
        run = await client.runs.create(tid, "gated", input={"label": label})
        await client.runs.join(tid, run["run_id"])
        runs.append(run)
    listed = await client.runs.list(tid)
    assert [r["run_id"] for r in listed] == [r["run_id"] for r in reversed(runs)]  # newest first
    assert all(r["status"] == "success" for r in listed)
    assert [r["run_id"] for r in await client.runs.list(tid, limit=1, offset=1)] == [runs[1]["run_id"]]
    assert await client.runs.list(tid, status="error") == []
    selected = await client.runs.list(tid, select=["run_id", "status"])
    assert all(set(r) == {"run_id", "status"} for r in selected)

    await client.runs.delete(tid, runs[0]["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, runs[0]["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.delete(tid, runs[0]["run_id"])
    with pytest.raises(NotFoundError):
        await client.runs.list(str(uuid.uuid4()))


async def test_cancel_running_and_queued_runs(stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    log, gate = tmp_path / "log", tmp_path / "gate"
    running = await client.runs.create(tid, "gated", input={"label": "r", "log_file": str(log), "gate": str(gate)})
    queued = await client.runs.create(tid, "gated", input={"label": "q", "log_file": str(log)})
    await assert_eventually(lambda: _assert_in("r:wait-started", _events(log)))

    with pytest.raises(ConflictError):
        await client.runs.delete(tid, running["run_id"])

    await client.runs.cancel(tid, queued["run_id"])
    cancelled_at = time.monotonic()
    await client.runs.cancel(tid, running["run_id"], wait=True)
    assert (await client.runs.get(tid, running["run_id"]))["status"] == "interrupted"
    await assert_eventually(lambda: _assert_status(client, tid, queued["run_id"], "interrupted"))
    # The cancel reached the running node itself (through its heartbeat); the queued run never
    # started; what the run wrote is kept.
    await assert_eventually(lambda: _assert_in("r:wait-cancelled", _events(log)))
    print(f"\ncancel reached the running node after {time.monotonic() - cancelled_at:.2f} s")
    assert _events(log) == ["r:first", "r:wait-started", "r:wait-cancelled"]
    assert (await client.threads.get_state(tid))["values"]["trace"] == ["r:first"]
    thread = await client.threads.get(tid)
    # As on the official server: the run's node never finished, and the error says who stopped it.
    assert thread["status"] == "interrupted"
    assert thread["error"] == {
        "error": "UserInterrupt", "message": "interrupt requested via POST /threads/{thread_id}/runs/{run_id}/cancel"
    }
    # The thread takes new runs (the gate path is part of the thread's state: clear it).
    assert (await client.runs.wait(tid, "gated", input={"label": "n", "gate": ""}))["trace"][-1] == "n:last"


async def test_cancel_with_rollback_and_bulk_cancel(stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "gated", input={"label": "kept"})
    before = await client.threads.get_state(tid)
    log, gate = tmp_path / "log", tmp_path / "gate"
    run = await client.runs.create(tid, "gated", input={"label": "gone", "log_file": str(log), "gate": str(gate)})
    await assert_eventually(lambda: _assert_in("gone:wait-started", _events(log)))
    await client.runs.cancel(tid, run["run_id"], action="rollback")
    with pytest.raises(NotFoundError):
        await client.runs.get(tid, run["run_id"])
    after = await client.threads.get_state(tid)
    assert after["checkpoint"] == before["checkpoint"]
    assert (await client.threads.get(tid))["values"] == before["values"]

    other = (await client.threads.create())["thread_id"]
    blocked = [
        await client.runs.create(other, "gated", input={"label": f"b{i}", "gate": str(gate)}) for i in range(2)
    ]
    await client.runs.cancel_many(thread_id=other, run_ids=[r["run_id"] for r in blocked])
    for r in blocked:
        await assert_eventually(lambda r=r: _assert_status(client, other, r["run_id"], "interrupted"))
    async with httpx.AsyncClient(base_url=stack.url) as http:
        assert (await http.post("/runs/cancel", json={})).status_code == 422
        missing = await http.post("/runs/cancel", json={"thread_id": other, "run_ids": [str(uuid.uuid4())]})
        assert missing.status_code == 404


async def test_delayed_stateless_and_batch_runs(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    delayed = await client.runs.create(tid, "gated", input={"label": "d"}, after_seconds=1)
    assert (await client.runs.get(tid, delayed["run_id"]))["status"] == "pending"
    assert (await client.runs.join(tid, delayed["run_id"]))["trace"] == ["d:first", "d:wait", "d:last"]
    assert (await client.runs.get(tid, delayed["run_id"]))["status"] == "success"

    assert (await client.runs.wait(None, "gated", input={"label": "s"}))["trace"][-1] == "s:last"

    kept = await client.runs.create(None, "gated", input={"label": "k"}, on_completion="keep")
    await client.runs.join(kept["thread_id"], kept["run_id"])
    assert (await client.threads.get(kept["thread_id"]))["values"]["label"] == "k"

    dropped = await client.runs.create(None, "gated", input={"label": "x"})
    assert dropped["kwargs"]["temporary"] is True

    async def thread_gone() -> None:
        try:
            await client.threads.get(dropped["thread_id"])
        except NotFoundError:
            return
        raise AssertionError("the temporary thread is still there")

    await assert_eventually(thread_gone)

    batch = await client.runs.create_batch(
        [
            {"assistant_id": "gated", "input": {"label": "b1"}, "on_completion": "keep"},
            {"assistant_id": "gated", "input": {"label": "b2"}, "on_completion": "keep"},
        ]
    )
    assert len(batch) == 2
    results = [await client.runs.join(r["thread_id"], r["run_id"]) for r in batch]
    assert [r["label"] for r in results] == ["b1", "b2"]

    async with httpx.AsyncClient(base_url=stack.url) as http:
        resume = await http.post("/runs/wait", json={"assistant_id": "gated", "command": {"resume": "yes"}})
        assert resume.status_code == 400
        both = await http.post(
            f"/threads/{tid}/runs",
            json={"assistant_id": "gated", "config": {"configurable": {"a": 1}}, "context": {"a": 1}},
        )
        assert both.status_code == 400
        bad_batch = await http.post("/runs/batch", json=[{"assistant_id": "no-such-graph"}])
        assert bad_batch.status_code == 422
        # A refused stateless run leaves no temporary thread behind.
        before = await client.threads.count()
        refused = await http.post(
            "/runs", json={"assistant_id": "gated", "config": {"configurable": {"a": 1}}, "context": {"a": 1}}
        )
        assert refused.status_code == 400
        assert (await http.post("/runs", json={"assistant_id": "no-such-graph"})).status_code == 422
        assert await client.threads.count() == before


def _assert_in(item: str, items: list[str]) -> None:
    assert item in items, items


async def _assert_status(client: object, thread_id: str, run_id: str, status: str) -> None:
    run = await client.runs.get(thread_id, run_id)  # type: ignore[attr-defined]
    assert run["status"] == status, run


async def test_run_past_its_time_limit_ends_timeout_and_frees_the_thread(sqlite_stack: Stack, tmp_path: Path) -> None:
    # An API process whose runs may take 2 s; the thread's admission workflow takes the limit from it.
    with sqlite_stack.extra_api(BG_JOB_TIMEOUT_SECS="2") as url:
        client = get_client(url=url)
        tid = (await client.threads.create())["thread_id"]
        gate = tmp_path / "never"
        run = await client.runs.create(tid, "gated", input={"label": "t", "gate": str(gate)})
        outcome = await client.runs.join(tid, run["run_id"])
        assert outcome["__error__"]["error"] == "TimeoutError"
        assert (await client.runs.get(tid, run["run_id"]))["status"] == "timeout"
        thread = await client.threads.get(tid)
        assert thread["status"] == "error"
