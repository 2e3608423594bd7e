"""Human in the loop: `interrupt()` in an activity node, then `Command(resume=...)`."""

from __future__ import annotations

import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(60)


async def test_interrupt_in_a_node_then_resume(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.wait(tid, "hitl", input={"draft": "tides"})
    assert first["draft"] == "draft about tides" and "verdict" not in first

    run = (await client.runs.list(tid))[0]
    assert run["status"] == "success"  # an interrupt ends the run successfully
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    [(task_id, [pending])] = thread["interrupts"].items()
    assert pending["value"] == {"question": "publish this?", "draft": "draft about tides"}
    state = await client.threads.get_state(tid)
    assert state["next"] == ["review"]
    [task] = state["tasks"]
    assert task["id"] == task_id and task["name"] == "review"
    assert task["interrupts"] == [pending]

    resumed = await client.runs.wait(tid, "hitl", command={"resume": "yes"})
    assert resumed == {"draft": "draft about tides", "verdict": "yes", "published": True}
    thread = await client.threads.get(tid)
    assert thread["status"] == "idle" and thread["interrupts"] == {}
    # The resume continued the interrupted run's chain (nothing re-ran from the start): the resumed
    # run's first checkpoint has the interrupted run's last checkpoint as its parent.
    history = await client.threads.get_history(tid, limit=50)
    runs_in_order = [r["run_id"] for r in reversed(await client.runs.list(tid))]
    by_run = {rid: [h for h in history if h["metadata"].get("run_id") == rid] for rid in runs_in_order}
    interrupted_last, resumed_first = by_run[runs_in_order[0]][0], by_run[runs_in_order[1]][-1]
    assert resumed_first["parent_checkpoint"]["checkpoint_id"] == interrupted_last["checkpoint"]["checkpoint_id"]
    assert interrupted_last["next"] == ["review"] and history[0]["next"] == []


async def test_command_update_and_goto_like_plain_langgraph(stack: Stack) -> None:
    """What LangGraph itself does with this graph and an in-memory checkpointer: the update is
    applied, `publish` runs, and `review` stays pending with the same interrupt (same id)."""
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "hitl", input={"draft": "tides"})
    [(first_task, [first_interrupt])] = (await client.threads.get(tid))["interrupts"].items()

    values = await client.runs.wait(tid, "hitl", command={"update": {"verdict": "yes"}, "goto": "publish"})
    assert values == {"draft": "draft about tides", "verdict": "yes", "published": True}
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    [(_task, [pending])] = thread["interrupts"].items()
    assert pending == first_interrupt  # the interrupt's id is stable across runs
    assert (await client.threads.get_state(tid))["next"] == ["review"]
