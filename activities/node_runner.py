"""The activity side of a graph node: runs the node's own callable as LangGraph would run it.

The node's config is rebuilt from the `NodeCall` with everything LangGraph gives a node: the run's
`configurable` keys, a `Runtime` whose context is an instance of the graph's `context_schema`, a
stream writer that reaches the run's stream, a heartbeat, a scratchpad with the resume values (so
`interrupt()` answers as in LangGraph), a write channel whose writes go back to the task, and the
graph state for `Send`-fed tool nodes. The callable is invoked through LangChain's Runnable
interface, so functions, closures, partials, callable objects, bound methods, chains and chat
models all run, and `get_config()`, `get_runtime()` and `get_stream_writer()` work inside them.

A node's LangGraph `RetryPolicy` is applied here, attempt by attempt, as Temporal retries: the
policy decides whether an error is retried and after how long (`next_retry_delay`), so the attempts
LangGraph would make are the activity's attempts in the Temporal UI.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import var_child_runnable_config
from langgraph._internal._constants import (
    CONF,
    CONFIG_KEY_CALL,
    CONFIG_KEY_READ,
    CONFIG_KEY_READ_STATE,
    CONFIG_KEY_RUNTIME,
    CONFIG_KEY_SCRATCHPAD,
    CONFIG_KEY_SEND,
    CONFIG_KEY_STREAM,
)
from langgraph._internal._scratchpad import PregelScratchpad
from langgraph.errors import GraphInterrupt, ParentCommand
from langgraph.channels.base import BaseChannel
from langgraph.pregel._algo import LazyAtomicCounter, local_read
from langgraph.pregel._retry import _should_retry_on
from langgraph.pregel.protocol import StreamProtocol
from langgraph.pregel.main import _coerce_context
from langgraph.runtime import ExecutionInfo, Runtime, ServerInfo
from langgraph.types import RetryPolicy as LangGraphRetryPolicy
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.auth_user import USER_KEY, as_user
from activities.custom_stream import ActivityStreamWriter
from activities.node_call import NodeCall, NodeResult, pack, unpack
from activities.storage.store import process_store


@dataclass(frozen=True)
class ResolvedNode:
    """A node's callable as the worker runs it, with what LangGraph would apply around it."""

    runnable: Runnable[Any, Any]
    retry_policies: Sequence[LangGraphRetryPolicy] = ()
    context_schema: Any = None
    # A sync Functional API entrypoint: the tasks it calls run in line, in this activity.
    inline_calls: bool = False
    # The channels of the graph the node belongs to (empty ones, from its builder): reads of the
    # state through the node's config (`CONFIG_KEY_READ`, as deepagents' file tools do) use them.
    channels: Mapping[str, BaseChannel] = field(default_factory=dict)


# Finds the node a call names: (call, run config) -> the node (awaited: a factory may build it).
NodeResolver = Callable[[NodeCall], Any]


def _scratchpad(call: NodeCall, took_null_resume: list[bool]) -> PregelScratchpad:
    null_resume = [unpack(call.null_resume)]

    def get_null_resume(consume: bool = False) -> Any:
        value = null_resume[0]
        if consume and value is not None:
            null_resume[0] = None
            took_null_resume[0] = True
        return value

    return PregelScratchpad(
        step=call.step,
        stop=call.stop,
        call_counter=LazyAtomicCounter(),
        interrupt_counter=LazyAtomicCounter(),
        get_null_resume=get_null_resume,
        resume=[unpack(v) for v in call.resume],
        subgraph_counter=LazyAtomicCounter(),
    )


def _server_info(configurable: dict[str, Any]) -> ServerInfo | None:
    if not configurable.get("assistant_id") or not configurable.get("graph_id"):
        return None
    return ServerInfo(assistant_id=configurable["assistant_id"], graph_id=configurable["graph_id"])


@dataclass
class _TaskWrites:
    writes: list[tuple[str, Any]]


def _state_reader(
    node: ResolvedNode, base: dict[str, Any], scratchpad: PregelScratchpad, writes: list[tuple[str, Any]]
) -> Callable[..., Any]:
    """LangGraph's own state read for the node (with `fresh`, its writes so far applied through the
    channels' reducers), over the state the node was given."""
    channels = {
        key: spec.from_checkpoint(base[key]) if key in base else spec.copy() for key, spec in node.channels.items()
    }
    return functools.partial(local_read, scratchpad, channels, {}, _TaskWrites(writes))


def node_config(
    call: NodeCall,
    node: ResolvedNode,
    writer: ActivityStreamWriter,
    writes: list[tuple[str, Any]],
    took_null_resume: list[bool],
    node_input: Any = None,
) -> RunnableConfig:
    """The config LangGraph would give the node, rebuilt in the activity."""
    configurable = dict(call.config.get(CONF) or {})
    if configurable.get(USER_KEY) is not None:  # the caller, as graphs on the official server get it
        configurable[USER_KEY] = as_user(configurable[USER_KEY])
    info = dict(call.execution_info or {})
    if info:
        info["node_attempt"] = activity.info().attempt
    runtime = Runtime(
        context=_coerce_context(node.context_schema, unpack(call.context)),
        store=process_store(),  # `runtime.store`, `get_store()`, a tool's `InjectedStore`
        stream_writer=writer,
        heartbeat=activity.heartbeat,
        previous=unpack(call.previous),
        execution_info=ExecutionInfo(**info) if info else None,
        server_info=_server_info(configurable),
    )
    configurable[CONFIG_KEY_RUNTIME] = runtime
    configurable[CONFIG_KEY_SCRATCHPAD] = _scratchpad(call, took_null_resume)
    configurable[CONFIG_KEY_SEND] = writes.extend
    if call.stream_modes:
        configurable[CONFIG_KEY_STREAM] = StreamProtocol(writer.stream_part, set(call.stream_modes))  # type: ignore[arg-type]
    if node.inline_calls:
        configurable[CONFIG_KEY_CALL] = inline_calls(asyncio.get_running_loop())
    state = unpack(call.state) if call.state is not None else None
    if state is not None:
        configurable[CONFIG_KEY_READ_STATE] = lambda: state
    base = state if isinstance(state, dict) else node_input if isinstance(node_input, dict) else None
    if base is not None and node.channels:
        configurable[CONFIG_KEY_READ] = _state_reader(node, base, configurable[CONFIG_KEY_SCRATCHPAD], writes)
    config: RunnableConfig = {
        "tags": list(call.config.get("tags") or []),
        "metadata": dict(call.config.get("metadata") or {}),
        "configurable": configurable,
        # LangChain's own callbacks come from the process (the token stream's configure hook).
        "callbacks": None,
    }
    for key in ("run_name", "recursion_limit"):
        if call.config.get(key) is not None:
            config[key] = call.config[key]  # type: ignore[literal-required]
    return config


def inline_calls(loop: asyncio.AbstractEventLoop) -> Callable[..., Any]:
    """LangGraph's `CONFIG_KEY_CALL` for a sync Functional API entrypoint in an activity: each task runs at once,
    in the entrypoint's thread, and its future is already resolved."""

    def call(func: Callable[..., Any], arguments: tuple[Any, Any], **_options: Any) -> concurrent.futures.Future[Any]:
        args, kwargs = arguments
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            result = func(*args, **kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run_coroutine_threadsafe(result, loop).result()  # type: ignore[arg-type]
            future.set_result(result)
        except BaseException as exc:  # interrupts too: the entrypoint sees them from `result()`
            future.set_exception(exc)
        return future

    return call


def _retry_decision(exc: Exception, policies: Sequence[LangGraphRetryPolicy]) -> ApplicationError | None:
    """The error that tells Temporal what LangGraph's retry policy would do next; None without a policy."""
    if not policies:
        return None
    attempt = activity.info().attempt
    kind = type(exc).__name__
    policy = next((p for p in policies if _should_retry_on(p, exc)), None)
    if policy is None or attempt >= policy.max_attempts:
        return ApplicationError(str(exc), type=kind, non_retryable=True)
    interval = min(policy.max_interval, policy.initial_interval * policy.backoff_factor ** (attempt - 1))
    if policy.jitter:
        interval += random.uniform(0, 1)
    return ApplicationError(str(exc), type=kind, next_retry_delay=timedelta(seconds=interval))


async def run_node(call: NodeCall, node: ResolvedNode, batch_interval: timedelta) -> NodeResult:
    """Run the node once (one activity attempt) and report what it did."""
    configurable = call.config.get(CONF) or {}
    writer = ActivityStreamWriter(batch_interval, configurable.get("checkpoint_ns") or "", call.config.get("tags") or [])
    writes: list[tuple[str, Any]] = []
    took_null_resume = [False]
    node_input = unpack(call.input)
    config = node_config(call, node, writer, writes, took_null_resume, node_input)
    # As LangGraph's task runner does: `get_config()` and `interrupt()` find the node's config here.
    token = var_child_runnable_config.set(config)
    try:
        value = await node.runnable.ainvoke(node_input, config)
        return NodeResult(value=pack(value), writes=_packed(writes), consumed_null_resume=took_null_resume[0])
    except GraphInterrupt as exc:
        return NodeResult(
            interrupts=pack(tuple(exc.args[0])),
            writes=_packed(writes),
            consumed_null_resume=took_null_resume[0],
        )
    except ParentCommand as exc:
        return NodeResult(parent_command=pack(exc.args[0]), consumed_null_resume=took_null_resume[0])
    except Exception as exc:
        decision = _retry_decision(exc, node.retry_policies)
        if decision is None:
            raise
        raise decision from exc
    finally:
        var_child_runnable_config.reset(token)
        await writer.close()


def _packed(writes: Any) -> list[tuple[str, Any]]:
    return [(channel, pack(value)) for channel, value in writes]


def define_node_activity(
    name: str, node: ResolvedNode | Callable[[NodeCall], Awaitable[ResolvedNode]], batch_interval: timedelta
) -> Callable[[NodeCall], Awaitable[NodeResult]]:
    """The activity `name` that runs `node` (or the node `node(call)` resolves, e.g. from a factory's
    build for the run) for each `NodeCall`."""

    async def run(call: NodeCall) -> NodeResult:
        resolved = node if isinstance(node, ResolvedNode) else await node(call)
        return await run_node(call, resolved, batch_interval)

    run.__name__ = name.replace(".", "_").replace("/", "_")
    return activity.defn(name=name)(run)
