"""kill -9 of the worker in the middle of a node: the run still succeeds, finished nodes do not run
again, and the thread's checkpoints form one consistent chain."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from langgraph_sdk import get_client
from temporalio.testing import WorkflowEnvironment

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


async def test_worker_killed_with_twenty_runs_mid_node(sqlite_stack: Stack, tmp_path: Path) -> None:
    """20 concurrent runs, all inside a node when the worker dies: all succeed with the right state,
    no finished node runs again, each interrupted node runs once more."""
    import asyncio

    stack = sqlite_stack
    client = get_client(url=stack.url)
    log, gate = tmp_path / "exec.log", tmp_path / "gate"
    labels = [f"r{i}" for i in range(20)]
    runs = {}
    for label in labels:
        tid = (await client.threads.create())["thread_id"]
        runs[label] = (tid, await client.runs.create(
            tid, "gated", input={"label": label, "log_file": str(log), "gate": str(gate)}
        ))

    def all_in_the_node() -> None:
        started = set(log.read_text().splitlines()) if log.exists() else set()
        assert all(f"{label}:wait-started" in started for label in labels)

    await assert_eventually(all_in_the_node)
    stack.kill_worker()
    stack.start_worker()
    restarted_at = time.monotonic()
    gate.touch()

    results = await asyncio.gather(*(client.runs.join(tid, run["run_id"]) for tid, run in runs.values()))
    print(f"\n20 runs recovered {time.monotonic() - restarted_at:.1f} s after the new worker started")
    executions = log.read_text().splitlines()
    for label, values in zip(labels, results):
        assert values["trace"] == [f"{label}:first", f"{label}:wait", f"{label}:last"], values
        assert executions.count(f"{label}:first") == 1, label
        assert executions.count(f"{label}:wait-started") == 2, label
        assert executions.count(f"{label}:last") == 1, label
    statuses = [(await client.runs.get(tid, run["run_id"]))["status"] for tid, run in runs.values()]
    assert statuses == ["success"] * 20


async def test_interrupt_raised_before_a_worker_crash_keeps_its_id(
    sqlite_stack: Stack, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """`ask` interrupts while its sibling `wait` still runs; the worker dies; the new worker replays
    the run. The interrupt the first worker raised and the task the replay computes must agree (ids
    derive from checkpoint ids, which replay recomputes), or the resume would not find its interrupt."""
    stack = sqlite_stack
    client = get_client(url=stack.url)
    log, gate = tmp_path / "exec.log", tmp_path / "gate"
    tid = (await client.threads.create())["thread_id"]
    run = await client.runs.create(tid, "forked", input={"label": "f", "log_file": str(log), "gate": str(gate)})
    handle = env.client.get_workflow_handle(f"run-{run['run_id']}")

    async def ask_finished_while_wait_runs() -> None:
        assert log.exists() and "f:wait-started" in log.read_text().splitlines()
        history = await handle.fetch_history()
        assert any(e.HasField("activity_task_completed_event_attributes") for e in history.events)

    await assert_eventually(ask_finished_while_wait_runs)
    stack.kill_worker()
    stack.start_worker()
    gate.touch()

    values = await client.runs.join(tid, run["run_id"])
    assert values["trace"] == ["f:wait"]
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    [(task_id, [pending])] = thread["interrupts"].items()
    assert pending["value"] == {"question": "go on?"}
    tasks = {task["name"]: task for task in (await client.threads.get_state(tid))["tasks"]}
    assert (tasks["ask"]["id"], tasks["ask"]["interrupts"]) == (task_id, [pending])
    assert tasks["wait"]["interrupts"] == []  # finished in the step; its write waits with the step

    resumed = await client.runs.wait(tid, "forked", command={"resume": "yes"})
    assert sorted(resumed["trace"]) == ["f:ask:yes", "f:wait"]
    assert (await client.threads.get(tid))["status"] == "idle"
    executions = log.read_text().splitlines()
    assert executions.count("f:ask") == 2, executions  # before the crash, and for the resume
    assert executions.count("f:wait-started") == 2, executions  # cut by the crash: retried once
