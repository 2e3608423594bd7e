"""The workflow side of a graph node that runs as an activity.

Each activity node of a prepared graph is a `RunnableCallable` built here: called by LangGraph with
the task's input and config, it sends a `NodeCall` to the node's activity (named `<graph>.<node>`,
`<graph>/<subgraph node>.<node>` below a subgraph) and turns the `NodeResult` back into what the
node itself would have produced: its return value, the writes it made, its interrupts or a
`Command(graph=Command.PARENT)` it raised. The node's own callable never runs in the workflow.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from langchain_core.runnables import RunnableConfig
    from langgraph._internal._constants import (
        CONF,
        CONFIG_KEY_CHECKPOINT_ID,
        CONFIG_KEY_CHECKPOINT_MAP,
        CONFIG_KEY_CHECKPOINT_NS,
            CONFIG_KEY_READ,
        CONFIG_KEY_READ_STATE,
        CONFIG_KEY_RESUMING,
        CONFIG_KEY_RUNTIME,
        CONFIG_KEY_SCRATCHPAD,
        CONFIG_KEY_SEND,
        CONFIG_KEY_TASK_ID,
    )
    from langgraph._internal._runnable import RunnableCallable
    from langgraph.errors import GraphInterrupt, ParentCommand

    from activities.auth_user import USER_KEY, AuthUser
    from activities.node_call import NodeCall, NodeResult, is_plain, pack, unpack
    from workflows.checkpointer import current_checkpointer
    from workflows.graph_registry import subgraph_stream_modes

# The `configurable` keys of LangGraph's own that a node may read (its namespace, its checkpoint,
# its task id); the other `__pregel_*` keys hold live objects of the workflow's loop. Durability is
# left out: a graph the node invokes itself has no checkpointer in the activity to be durable with.
CARRIED_PREGEL_KEYS = (
    CONFIG_KEY_CHECKPOINT_NS,
    CONFIG_KEY_CHECKPOINT_ID,
    CONFIG_KEY_CHECKPOINT_MAP,
    CONFIG_KEY_TASK_ID,
    CONFIG_KEY_RESUMING,
)


def serializable_config(config: RunnableConfig) -> dict[str, Any]:
    """The parts of a task's config a node can be given in another process."""
    configurable = config.get(CONF) or {}
    carried = {
        key: value
        for key, value in configurable.items()
        if (key in CARRIED_PREGEL_KEYS or not key.startswith("__")) and is_plain(value)
    }
    user = configurable.get(USER_KEY)
    if isinstance(user, AuthUser):  # rebuilt from its JSON form in the activity that gave this config
        carried[USER_KEY] = user.dict()
    result: dict[str, Any] = {
        "tags": list(config.get("tags") or []),
        "metadata": {k: v for k, v in (config.get("metadata") or {}).items() if is_plain(v)},
        CONF: carried,
    }
    for key in ("run_name", "recursion_limit"):
        if config.get(key) is not None:
            result[key] = config[key]
    return result


def _is_tool_call_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[-1], dict) and value[-1].get("type") == "tool_call"


def _state_for_tool_calls(configurable: dict[str, Any]) -> Any:
    """The graph state a `Send`-fed `ToolNode` reads through its config (LangGraph's own lookup)."""
    if (read_state := configurable.get(CONFIG_KEY_READ_STATE)) is not None:
        return read_state()
    read = configurable.get(CONFIG_KEY_READ)
    if read is None:
        return None
    return read(list(read.args[1]), True)


def node_call(graph_id: str, path: Sequence[str], value: Any, config: RunnableConfig) -> NodeCall:
    """What the activity needs to run the node at `path` of `graph_id` as LangGraph would."""
    configurable = config.get(CONF) or {}
    scratchpad = configurable.get(CONFIG_KEY_SCRATCHPAD)
    runtime = configurable.get(CONFIG_KEY_RUNTIME)
    info = getattr(runtime, "execution_info", None)
    return NodeCall(
        graph_id=graph_id,
        path=list(path),
        input=pack(value),
        config=serializable_config(config),
        step=getattr(scratchpad, "step", 0),
        stop=getattr(scratchpad, "stop", 0),
        resume=[pack(v) for v in getattr(scratchpad, "resume", None) or []],
        # Peek only: the activity says whether it took it, and then it is consumed here.
        null_resume=pack(scratchpad.get_null_resume(False)) if scratchpad is not None else None,
        context=pack(getattr(runtime, "context", None)),
        previous=pack(getattr(runtime, "previous", None)),
        execution_info=dataclasses.asdict(info) if info is not None else None,
        state=pack(_state_for_tool_calls(configurable)) if _is_tool_call_list(value) else None,
        stream_modes=sorted(subgraph_stream_modes.get()),
    )


def apply_result(result: NodeResult, config: RunnableConfig) -> Any:
    """The node's outcome as LangGraph expects it from the node's callable."""
    configurable = config.get(CONF) or {}
    if result.consumed_null_resume and (scratchpad := configurable.get(CONFIG_KEY_SCRATCHPAD)) is not None:
        scratchpad.get_null_resume(True)
    if result.writes and (send := configurable.get(CONFIG_KEY_SEND)) is not None:
        send([(channel, unpack(value)) for channel, value in result.writes])
    if result.interrupts is not None:
        raise GraphInterrupt(unpack(result.interrupts))
    if result.parent_command is not None:
        raise ParentCommand(unpack(result.parent_command))
    return unpack(result.value)


class NodeFailed(Exception):
    """A node's own exception, as its activity reported it (Temporal sends the type's name and the
    message, not the object). It reads as the node's exception wherever LangGraph and the API show it:
    `ValueError('boom')` in the thread's task error, `{"error": "ValueError", "message": "boom"}`
    in the run's error, instead of Temporal's `ActivityError('Activity task failed')`."""

    def __init__(self, type: str, message: str) -> None:
        super().__init__(message)
        self.type = type
        self.message = message

    def __repr__(self) -> str:
        return f"{self.type}({self.message!r})"

    @classmethod
    def from_activity_error(cls, exc: ActivityError) -> "NodeFailed | None":
        """The node's failure inside `exc`, or None when the activity did not fail by raising
        (cancelled, timed out: those stay Temporal's errors)."""
        cause = exc.cause
        if not isinstance(cause, ApplicationError):
            return None
        return cls(cause.type or "Exception", cause.message)


async def execute_node_activity(activity_name: str, call: NodeCall, **options: Any) -> NodeResult:
    """Run a node's activity; a node that raised fails here with its own exception (`NodeFailed`).
    The run's checkpoints so far are stored first, so the database holds the step the node runs in."""
    if (saver := current_checkpointer.get()) is not None:
        await saver.flush()
    try:
        return await workflow.execute_activity(activity_name, call, result_type=NodeResult, **options)
    except ActivityError as exc:
        failed = NodeFailed.from_activity_error(exc)
        if failed is None:
            raise
        raise failed from exc


def activity_node(activity_name: str, graph_id: str, path: Sequence[str], options: dict[str, Any]) -> RunnableCallable:
    """A node whose work is done by the activity `activity_name` with Temporal `options`."""
    path = list(path)

    async def run_in_activity(value: Any, config: RunnableConfig) -> Any:
        result = await execute_node_activity(
            activity_name, node_call(graph_id, path, value, config), summary=path[-1], **options
        )
        return apply_result(result, config)

    run_in_activity.__name__ = path[-1]
    return RunnableCallable(None, run_in_activity, name=path[-1], trace=False)
