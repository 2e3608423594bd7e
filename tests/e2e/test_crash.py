"""kill -9 of the worker in the middle of a node: the run still succeeds, finished nodes do not run
again, and the thread's checkpoints form one consistent chain."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from langgraph_sdk import get_client

from activities.storage import Database
from tests.conftest import Stack
from tests.helpers import assert_eventually, assert_linear_chain, checkpoint_chain

pytestmark = pytest.mark.timeout(120)


async def test_worker_killed_mid_node(sqlite_stack: Stack, tmp_path: Path) -> None:
    stack = sqlite_stack
    client = get_client(url=stack.url)
    log, gate = tmp_path / "exec.log", tmp_path / "gate"
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "gated", input={"label": "c", "log_file": str(log), "gate": str(gate)})

    def node_is_running() -> None:
        assert log.exists() and "c:wait-started" in log.read_text().splitlines()

    await assert_eventually(node_is_running)
    stack.kill_worker()
    killed_at = time.monotonic()
    stack.start_worker()
    gate.touch()

    values = await client.runs.join(tid, run["run_id"])
    recovery_s = time.monotonic() - killed_at
    print(f"\nrecovery after kill -9: {recovery_s:.1f} s")  # reported in the closing note
    assert values["trace"] == ["c:first", "c:wait", "c:last"]
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"

    executions = log.read_text().splitlines()
    assert executions.count("c:first") == 1, executions  # finished before the crash: never again
    assert executions.count("c:wait-started") == 2, executions  # interrupted by the crash: retried once
    assert executions.count("c:last") == 1, executions

    db = await Database(stack.database_uri).open()
    try:
        chain = await checkpoint_chain(db.checkpointer, tid)
    finally:
        await db.close()
    assert_linear_chain(chain)
    assert [c["step"] for c in reversed(chain)] == [-1, 0, 1, 2, 3]
