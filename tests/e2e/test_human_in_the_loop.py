"""Human in the loop: `interrupt()` in an activity node, then `Command(resume=...)`."""

from __future__ import annotations

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("graph", ["hitl", "hitl_inline"])  # `review` in an activity / in the workflow
async def test_interrupt_in_a_node_then_resume(stack: Stack, graph: str) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.wait(tid, graph, input={"draft": "tides"})
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

    resumed = await client.runs.wait(tid, graph, command={"resume": "yes"})
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


async def test_static_interrupts_from_the_graph_and_per_run(stack: Stack) -> None:
    """`interrupt_before`/`interrupt_after` as LangGraph applies them: those the graph was compiled
    with, unless the run names its own (`[]` for none, `"*"` for every node)."""
    client = get_client(url=stack.url)

    tid = (await client.threads.create())["thread_id"]  # compiled with interrupt_after=["first"]
    stopped = await client.runs.wait(tid, "reviewed", input={"label": "r"})
    assert stopped["trace"] == ["r:first"]
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted" and thread["interrupts"] == {}  # static: no payload
    assert (await client.threads.get_state(tid))["next"] == ["wait"]
    done = await client.runs.wait(tid, "reviewed", input=None)  # continue: the graph runs to its end
    assert done["trace"] == ["r:first", "r:wait", "r:last"]
    assert (await client.threads.get(tid))["status"] == "idle"

    tid = (await client.threads.create())["thread_id"]
    through = await client.runs.wait(tid, "reviewed", input={"label": "n"}, interrupt_after=[])
    assert through["trace"] == ["n:first", "n:wait", "n:last"]

    tid = (await client.threads.create())["thread_id"]
    after_wait = await client.runs.wait(tid, "gated", input={"label": "g"}, interrupt_after=["wait"])
    assert after_wait["trace"] == ["g:first", "g:wait"]
    assert (await client.threads.get_state(tid))["next"] == ["last"]

    tid = (await client.threads.create())["thread_id"]
    before_all = await client.runs.wait(tid, "gated", input={"label": "s"}, interrupt_before="*")
    assert before_all.get("trace", []) == []
    assert (await client.threads.get_state(tid))["next"] == ["first"]
    step = await client.runs.wait(tid, "gated", input=None, interrupt_before="*")
    assert step["trace"] == ["s:first"]
    assert (await client.threads.get_state(tid))["next"] == ["wait"]

    with pytest.raises(httpx.HTTPStatusError) as refused:
        await client.runs.create(tid, "gated", input=None, interrupt_before=["frist"])
    assert refused.value.response.status_code == 422
    assert "frist" in refused.value.response.json()["detail"]
