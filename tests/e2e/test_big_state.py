"""A run whose state grows past Temporal's 2 MB payload limit completes: state, node inputs and
results, and stream batches above the threshold travel as claims on our database, and the run's
workflow history stays small (temporal-facts.md §10: without this, the run hangs until it times out)."""

from __future__ import annotations

import pytest
from langgraph_sdk import get_client
from temporalio.testing import WorkflowEnvironment

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(120)

STEPS, CHUNK_KB = 5, 700  # 3.5 MB of state at the end; the 4th node's input alone is 2.1 MB


async def _history_bytes(env: WorkflowEnvironment, run_id: str) -> int:
    history = await env.client.get_workflow_handle(f"run-{run_id}").fetch_history()
    return sum(event.ByteSize() for event in history.events)


async def test_state_past_two_megabytes_completes_with_a_small_history(stack: Stack, env: WorkflowEnvironment) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    tid = thread["thread_id"]

    values = await client.runs.wait(tid, "bulky", input={"steps": STEPS, "chunk_kb": CHUNK_KB})

    assert [len(chunk) for chunk in values["chunks"]] == [CHUNK_KB * 1024] * STEPS
    (run,) = await client.runs.list(tid)
    assert run["status"] == "success"
    state = await client.threads.get_state(tid)
    assert state["values"]["chunks"] == values["chunks"]
    history = await _history_bytes(env, run["run_id"])
    print(f"\nhistory of a run with {STEPS * CHUNK_KB} KB of state: {history} bytes")  # for the closing note
    assert history < 200 * 1024


async def test_streamed_values_past_two_megabytes_arrive_whole(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]

    parts = [
        part
        async for part in client.runs.stream(
            tid, "bulky", input={"steps": 4, "chunk_kb": CHUNK_KB}, stream_mode="values"
        )
    ]

    values = [p.data for p in parts if p.event == "values"]
    assert [len(v.get("chunks", [])) for v in values] == [0, 1, 2, 3, 4]
    assert all(len(chunk) == CHUNK_KB * 1024 for chunk in values[-1]["chunks"])
    # The stream is rejoinable after the end, from the start, with the same content.
    (run,) = await client.runs.list(tid)
    replay = [p async for p in client.runs.join_stream(tid, run["run_id"], last_event_id="-1")]
    assert [p.event for p in replay] == [p.event for p in parts]
    assert [p.data for p in replay if p.event == "values"] == values
