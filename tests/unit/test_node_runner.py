"""A node's activity: what crosses the boundary, and how the node runs as LangGraph would run it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph._internal._runnable import RunnableCallable
from langgraph.config import get_config
from langgraph.errors import GraphInterrupt
from langgraph.runtime import Runtime
from langgraph.types import Command, RetryPolicy, Send, interrupt
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.node_call import NodeCall, pack, unpack
from activities.node_runner import ResolvedNode, run_node
from workflows.node_activity import apply_result, serializable_config

BATCH = timedelta(milliseconds=50)


@dataclasses.dataclass
class Ctx:
    who: str = "nobody"


@dataclasses.dataclass
class Item:
    n: int


def test_plain_values_travel_as_json_and_the_rest_keeps_its_type() -> None:
    assert pack({"a": [1, "x", None]}) == {"json": {"a": [1, "x", None]}}
    for value in (Command(goto=[Send("n", Item(1))], update={"k": 1}), [Command(update={"a": 1})], Item(2), ("t", 1)):
        packed = pack(value)
        assert "typed" in packed
        back = unpack(packed)
        assert type(back) is type(value) or isinstance(value, tuple)
    assert unpack(pack(Item(3))) == Item(3)


def test_the_config_sent_to_a_node_keeps_the_runs_keys_and_drops_live_objects() -> None:
    config: RunnableConfig = {
        "tags": ["t"],
        "metadata": {"m": 1, "live": object()},
        "recursion_limit": 7,
        "configurable": {
            "thread_id": "th",
            "flavor": "mint",
            "checkpoint_ns": "node:1",
            "__pregel_task_id": "task",
            "__pregel_send": print,
            "__pregel_durability": "sync",
        },
    }
    sent = serializable_config(config)
    assert sent == {
        "tags": ["t"],
        "metadata": {"m": 1},
        "recursion_limit": 7,
        "configurable": {"thread_id": "th", "flavor": "mint", "checkpoint_ns": "node:1", "__pregel_task_id": "task"},
    }


def _call(value: Any, **fields: Any) -> NodeCall:
    config = {"tags": [], "metadata": {}, "configurable": {"thread_id": "th", "checkpoint_ns": "n:1", "flavor": "mint"}}
    return NodeCall(graph_id="g", path=["n"], input=pack(value), config=config, **fields)


async def _run(node: Any, call: NodeCall, *, attempt: int = 1, **resolved: Any) -> Any:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt)
    return await env.run(run_node, call, ResolvedNode(node, **resolved), BATCH)


async def test_a_node_gets_its_config_a_typed_context_and_get_config() -> None:
    def node(state: dict[str, Any], config: RunnableConfig, runtime: Runtime[Ctx]) -> dict[str, Any]:
        assert get_config()["configurable"]["flavor"] == "mint"
        return {"who": runtime.context.who, "type": type(runtime.context).__name__, "flavor": config["configurable"]["flavor"]}

    result = await _run(RunnableCallable(node), _call({"x": 1}, context=pack({"who": "ada"})), context_schema=Ctx)
    assert unpack(result.value) == {"who": "ada", "type": "Ctx", "flavor": "mint"}


async def test_runnables_of_any_kind_run() -> None:
    chain = RunnableLambda(lambda s: s["x"] + 1) | RunnableLambda(lambda n: {"x": n * 10})
    assert unpack((await _run(chain, _call({"x": 1}))).value) == {"x": 20}


async def test_interrupt_then_resume_as_langgraph_does() -> None:
    def node(state: dict[str, Any]) -> dict[str, Any]:
        return {"answer": interrupt({"question": "ok?"})}

    paused = await _run(RunnableCallable(node), _call({}))
    [pending] = unpack(paused.interrupts)
    assert pending.value == {"question": "ok?"}
    resumed = await _run(RunnableCallable(node), _call({}, null_resume=pack("yes")))
    assert unpack(resumed.value) == {"answer": "yes"}
    assert resumed.consumed_null_resume
    assert [channel for channel, _ in resumed.writes] == ["__resume__"]  # recorded on the task, as LangGraph does


async def test_a_retry_policy_decides_retries_and_their_delay() -> None:
    def node(state: dict[str, Any]) -> dict[str, Any]:
        raise (ValueError if state["kind"] == "value" else KeyError)("boom")

    policy = RetryPolicy(max_attempts=3, initial_interval=0.5, backoff_factor=2.0, jitter=False, retry_on=ValueError)
    with pytest.raises(ApplicationError) as retried:
        await _run(RunnableCallable(node), _call({"kind": "value"}), attempt=2, retry_policies=(policy,))
    assert not retried.value.non_retryable and retried.value.next_retry_delay == timedelta(seconds=1.0)
    with pytest.raises(ApplicationError) as last:
        await _run(RunnableCallable(node), _call({"kind": "value"}), attempt=3, retry_policies=(policy,))
    assert last.value.non_retryable and last.value.type == "ValueError"
    with pytest.raises(ApplicationError) as other:
        await _run(RunnableCallable(node), _call({"kind": "key"}), attempt=1, retry_policies=(policy,))
    assert other.value.non_retryable and other.value.type == "KeyError"


def test_the_workflow_side_rebuilds_the_nodes_outcome() -> None:
    from activities.node_call import NodeResult

    sent: list[Any] = []
    config: RunnableConfig = {"configurable": {"__pregel_send": sent.extend}}
    commands = [Command(update={"a": 1}), Command(goto=[Send("n", Item(1))])]
    back = apply_result(NodeResult(value=pack(commands), writes=[("__resume__", pack(["x"]))]), config)
    assert [(c.update, list(c.goto)) for c in back] == [({"a": 1}, []), (None, [Send("n", Item(1))])]
    assert sent == [("__resume__", ["x"])]
    with pytest.raises(GraphInterrupt):
        apply_result(NodeResult(interrupts=pack(())), config)
