"""RunWorkflow and ThreadWorkflow against a real dev server with an in-process worker."""

from __future__ import annotations

from typing import Any

import pytest
from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError
from temporalio.worker import Replayer

import worker as worker_module
from activities.converter import data_converter
from tests.helpers import assert_linear_chain, checkpoint_chain
from workflows.run import RunWorkflow
from workflows.thread import ThreadWorkflow
from workflows.types import RunResult, run_workflow_id

pytestmark = pytest.mark.timeout(60)

GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}


async def _result(h: Any, run_id: str) -> RunResult:
    return await h.env.client.get_workflow_handle_for(RunWorkflow.run, run_workflow_id(run_id)).result()


async def test_agent_run_checkpoints_a_linear_chain_even_when_every_task_replays(harness: Any) -> None:
    # No workflow cache: every workflow task replays the run from its history. Ids minted by
    # LangGraph that were not deterministic would break the chain the store already holds.
    async with harness(max_cached_workflows=0) as h:
        thread_id = await h.new_thread()
        first = await h.submit(thread_id, "agent", GUIDE_INPUT)
        result = await _result(h, first.run_id)
        second = await h.submit(thread_id, "agent", GUIDE_INPUT)
        again = await _result(h, second.run_id)
        chain = await checkpoint_chain(h.db.checkpointer, thread_id)

    assert result.status == "success"
    assert [type(m).__name__ for m in result.values["messages"]] == ["HumanMessage", "AIMessage", "ToolMessage", "AIMessage"]
    assert [m.id for m in again.values["messages"][:4]] == [m.id for m in result.values["messages"]]
    assert_linear_chain(chain)
    assert len(chain) == 10  # two runs of input + agent + tools + agent, plus the empty first checkpoint


async def test_history_replays_without_nondeterminism(harness: Any) -> None:
    async with harness() as h:
        thread_id = await h.new_thread()
        admission = await h.submit(thread_id, "agent", GUIDE_INPUT)
        await _result(h, admission.run_id)
        history = await h.env.client.get_workflow_handle(run_workflow_id(admission.run_id)).fetch_history()
        replayer = Replayer(
            workflows=[RunWorkflow, ThreadWorkflow],
            plugins=[worker_module.graph_plugin(h.settings)],
            data_converter=data_converter(),
        )
        await replayer.replay_workflow(history)


async def test_failing_node_ends_the_run_in_error_after_bounded_retries(harness: Any) -> None:
    async with harness() as h:
        thread_id = await h.new_thread()
        admission = await h.submit(thread_id, "failing", {"value": 1})
        with pytest.raises(WorkflowFailureError) as failure:
            await _result(h, admission.run_id)
        history = await h.env.client.get_workflow_handle(run_workflow_id(admission.run_id)).fetch_history()
    cause = failure.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "ValueError"
    attempts = [e for e in history.events if e.HasField("activity_task_started_event_attributes")]
    assert [e.activity_task_started_event_attributes.attempt for e in attempts] == [2]


async def test_queued_runs_wait_for_their_turn(harness: Any, tmp_path: Any) -> None:
    gate = tmp_path / "gate"
    async with harness() as h:
        thread_id = await h.new_thread()
        first = await h.submit(thread_id, "gated", {"label": "a", "gate": str(gate)})
        second = await h.submit(thread_id, "gated", {"label": "b", "gate": str(gate)})
        queue = await h.env.client.get_workflow_handle_for(ThreadWorkflow.run, f"thread-{thread_id}").query(ThreadWorkflow.queue)
        progress = await h.env.client.get_workflow_handle_for(RunWorkflow.run, run_workflow_id(second.run_id)).query(RunWorkflow.progress)
        gate.touch()
        result = await _result(h, second.run_id)
    assert (first.queued, second.queued) == (False, True)
    assert queue == [first.run_id, second.run_id]
    assert progress["status"] == "pending"
    assert result.values["trace"] == ["a:first", "a:wait", "a:last", "b:first", "b:wait", "b:last"]


def _count(history: Any, field: str) -> int:
    return sum(1 for e in history.events if e.HasField(field))


async def test_a_run_costs_what_the_cost_model_says(harness: Any) -> None:
    # docs/architecture.md "Cost model": a run of N activity nodes on an idle thread is an
    # admission workflow of 16 events and 3 workflow tasks that closes with the run, and a run
    # workflow of 7N+7 events, N+1 workflow tasks and N+2 local activities (start, N saves, finish).
    async with harness() as h:
        thread_id = await h.new_thread()
        admission = await h.submit(thread_id, "agent", GUIDE_INPUT)
        result = await _result(h, admission.run_id)
        thread = h.env.client.get_workflow_handle(f"thread-{thread_id}")
        await thread.result()  # it closes by itself once the run has ended
        thread_history = await thread.fetch_history()
        run_history = await h.env.client.get_workflow_handle(run_workflow_id(admission.run_id)).fetch_history()
        chain = await checkpoint_chain(h.db.checkpointer, thread_id)
        # Back to back on the same thread: a new admission workflow, same costs.
        again = await h.submit(thread_id, "agent", GUIDE_INPUT)
        await _result(h, again.run_id)
    nodes = 3  # agent, tools, agent
    assert result.status == "success"
    assert len(thread_history.events) == 16
    assert _count(thread_history, "workflow_task_completed_event_attributes") == 3
    assert _count(thread_history, "timer_started_event_attributes") == 0
    assert len(run_history.events) == 7 * nodes + 7
    assert _count(run_history, "workflow_task_completed_event_attributes") == nodes + 1
    assert _count(run_history, "activity_task_scheduled_event_attributes") == nodes
    assert _count(run_history, "marker_recorded_event_attributes") == nodes + 2
    # Fewer saves, every checkpoint still stored: input, agent, tools, agent and the first one.
    assert_linear_chain(chain)
    assert len(chain) == 5
