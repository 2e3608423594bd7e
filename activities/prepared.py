"""The project's graphs prepared for the worker: orchestration in the workflow, nodes as activities.

For each graph the worker builds a private copy of its `StateGraph` (the user's builder is never
changed): every node becomes a `workflows/node_activity.py` stub that runs the node in an activity
named from the graph id, the subgraph path and the node name (`agent.model`, `agent/team.worker`),
never from the Python function, so closures, lambdas, partials, callable objects, bound methods and
Runnables all have an identity, and two nodes never share one. A node with
`metadata={"execute_in": "workflow"}` runs in the workflow instead; a compiled subgraph used as a
node is orchestrated in the workflow (its own nodes are activities, registered as `<graph>/<node>`).
Sync routers get an async wrapper (LangGraph would send them to `run_in_executor`, which a
workflow cannot do). A node's LangGraph `RetryPolicy` is applied by its activity (node_runner.py).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._runnable import RunnableCallable
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from langgraph.types import RetryPolicy as LangGraphRetryPolicy
from temporalio import activity, workflow
from temporalio.common import RetryPolicy

from activities import functional
from activities.factories import RunGraphs
from activities.graphs import GraphShape, GraphSpec, graph_shape
from activities.node_call import NodeCall, unpack
from activities.node_runner import ResolvedNode, define_node_activity
from workflows.graph_registry import current_graph_id
from workflows.node_activity import CARRIED_PREGEL_KEYS, activity_node

log = logging.getLogger(__name__)

SUBGRAPH_SEPARATOR = "/"
# Node metadata keys that are Temporal activity options rather than the node's own metadata.
ACTIVITY_OPTION_KEYS = frozenset(
    {"execute_in", *(p for p in inspect.signature(workflow.execute_activity).parameters if p not in ("activity", "arg", "args"))}
)


@dataclass(frozen=True)
class NodeDefaults:
    """Activity options every node gets unless its metadata overrides them."""

    start_to_close: timedelta
    heartbeat: timedelta
    max_attempts: int

    def activity_options(self, policies: Sequence[LangGraphRetryPolicy] = ()) -> dict[str, Any]:
        if policies:
            # The activity applies LangGraph's policy (which errors, which delay); Temporal only
            # needs the bound on attempts.
            retry = RetryPolicy(
                initial_interval=timedelta(seconds=min(p.initial_interval for p in policies) or 0.001),
                maximum_attempts=max(p.max_attempts for p in policies),
            )
        else:
            retry = RetryPolicy(
                initial_interval=timedelta(milliseconds=200),
                maximum_interval=timedelta(seconds=10),
                maximum_attempts=self.max_attempts,
            )
        return {"start_to_close_timeout": self.start_to_close, "heartbeat_timeout": self.heartbeat, "retry_policy": retry}


def subgraph_id(graph_id: str, node: str) -> str:
    """The registered name of the subgraph a node runs (its nodes' activities are `<graph>/<node>.<n>`)."""
    return f"{graph_id}{SUBGRAPH_SEPARATOR}{node}"


def activity_name(graph_id: str, path: Sequence[str]) -> str:
    return SUBGRAPH_SEPARATOR.join([graph_id, *path[:-1]]) + "." + path[-1]


def _retry_policies(node: Any) -> tuple[LangGraphRetryPolicy, ...]:
    retry = getattr(node, "retry_policy", None)
    if not retry:
        return ()
    if isinstance(retry, LangGraphRetryPolicy):
        return (retry,)
    return tuple(retry)


def _subgraph_builder(runnable: Any) -> StateGraph[Any, Any, Any, Any] | None:
    builder = getattr(runnable, "builder", None)
    return builder if isinstance(runnable, Pregel) and isinstance(builder, StateGraph) else None


def find_node(builder: StateGraph[Any, Any, Any, Any], path: Sequence[str]) -> tuple[StateGraph[Any, Any, Any, Any], Any]:
    """The (sub)graph builder holding the node at `path` (subgraph node names, then the node's own),
    and the node's spec."""
    for name in path[:-1]:
        child = _subgraph_builder(builder.nodes[name].runnable)
        if child is None:
            raise KeyError(f"node {name!r} is not a subgraph")
        builder = child
    return builder, builder.nodes[path[-1]]


def resolved(builder: StateGraph[Any, Any, Any, Any], node: Any, context_schema: Any) -> ResolvedNode:
    return ResolvedNode(node.runnable, _retry_policies(node), context_schema, channels=dict(builder.channels))


def _native_afunc(runnable: RunnableCallable) -> Any:
    """The runnable's own async function; None when LangGraph only wrapped the sync one."""
    afunc = runnable.afunc
    if isinstance(afunc, functools.partial) and afunc.func is run_in_executor:
        return None
    return afunc


def _async_router(func: Callable[..., Any]) -> Callable[..., Any]:
    async def route(*args: Any, **kwargs: Any) -> Any:
        return func(*args, **kwargs)

    return route


def _subgraph_runner(registry: Callable[[str], StateGraph[Any, Any, Any, Any]], child_id: str, name: str) -> RunnableCallable:
    """A node that runs a subgraph inside the workflow; the subgraph's own nodes are activities.

    Invoked with the parent task's config, LangGraph treats it as the parent's subgraph: it uses the
    parent's checkpointer under the `<node>:<task id>` namespace and streams with that namespace.
    """

    async def run_subgraph(state: Any, config: RunnableConfig) -> Any:
        return await registry(child_id).compile().ainvoke(state, config)

    run_subgraph.__name__ = name
    return RunnableCallable(None, run_subgraph, name=name)


def _factory_config(call: NodeCall) -> dict[str, Any]:
    """The run's config as the factory sees it (the node's own LangGraph keys left out)."""
    configurable = {
        k: v for k, v in (call.config.get("configurable") or {}).items() if k not in CARRIED_PREGEL_KEYS and not k.startswith("__")
    }
    return {"configurable": configurable, "metadata": dict(call.config.get("metadata") or {})}


@dataclass
class PreparedGraphs:
    """What the worker registers: the workflow-side graphs by name and the node activities."""

    builders: dict[str, StateGraph[Any, Any, Any, Any]] = field(default_factory=dict)
    # Functional API graphs as the workflow runs them (their tasks' functions swapped for stubs).
    entrypoints: dict[str, Pregel[Any, Any, Any, Any]] = field(default_factory=dict)
    shapes: dict[str, GraphShape] = field(default_factory=dict)
    activities: list[Callable[..., Any]] = field(default_factory=list)
    run_graphs: RunGraphs = field(default_factory=RunGraphs)

    def builder(self, name: str) -> StateGraph[Any, Any, Any, Any]:
        return self.builders[name]

    def workflow_shape(self, graph_id: str) -> GraphShape:
        """The graph `graph_id` as a run's workflow compiles it."""
        shape = self.shapes[graph_id]
        if shape.entrypoint is not None:
            return dataclasses.replace(shape, entrypoint=self.entrypoints[graph_id])
        return dataclasses.replace(shape, builder=self.builders[graph_id])


def prepare_graphs(specs: dict[str, GraphSpec], defaults: NodeDefaults, batch_interval: timedelta) -> PreparedGraphs:
    prepared = PreparedGraphs()
    for spec in specs.values():
        prepared.shapes[spec.graph_id] = spec.shape
        if spec.shape.entrypoint is not None:
            _prepare_entrypoint(prepared, spec, defaults, batch_interval)
        else:
            assert spec.shape.builder is not None
            _prepare(prepared, spec, spec.graph_id, [], spec.shape.builder, defaults, batch_interval)
    return prepared


def _prepare_entrypoint(prepared: PreparedGraphs, spec: GraphSpec, defaults: NodeDefaults, batch_interval: timedelta) -> None:
    entrypoint = spec.shape.entrypoint
    assert entrypoint is not None
    if spec.factory is not None:
        raise ValueError(f"graph {spec.graph_id!r}: factories that build Functional API graphs are not supported")
    name, node, func = functional.entrypoint_function(entrypoint)
    if functional.is_async_entrypoint(func):
        # The entrypoint orchestrates in the workflow; each task it calls is an activity.
        named: dict[str, Any] = {}
        for task in functional.reachable_tasks(func):
            name_of_task = functional.task_name(task)
            if name_of_task in named:
                log.warning(
                    "graph %r: two @task functions are named %r; only the first runs as an activity "
                    "(give the other a name: @task(name=...))", spec.graph_id, name_of_task
                )
                continue
            named[name_of_task] = task
            functional.install_task_stub(task, current_graph_id.get, lambda _name, t=task: defaults.activity_options(t._agent_server_retry))
            prepared.activities.append(functional.task_activity(spec.graph_id, task, spec.shape.context_schema, batch_interval))
        prepared.entrypoints[spec.graph_id] = entrypoint.copy(update={"retry_policy": ()})
        return
    # A sync entrypoint runs whole in one activity; its tasks run in line there.
    path = [name]
    resolved = ResolvedNode(node.bound, tuple(entrypoint.retry_policy or ()), spec.shape.context_schema, inline_calls=True)
    prepared.activities.append(define_node_activity(activity_name(spec.graph_id, path), resolved, batch_interval))
    stub = activity_node(activity_name(spec.graph_id, path), spec.graph_id, path, defaults.activity_options(resolved.retry_policies))
    prepared.entrypoints[spec.graph_id] = entrypoint.copy(
        update={"nodes": {name: node.copy(update={"bound": stub})}, "retry_policy": ()}
    )


def _node_activity(prepared: PreparedGraphs, spec: GraphSpec, path: list[str], batch_interval: timedelta) -> Callable[..., Any]:
    name = activity_name(spec.graph_id, path)
    context_schema = spec.shape.context_schema
    assert spec.shape.builder is not None
    static = resolved(*find_node(spec.shape.builder, path), context_schema)

    async def resolve(call: NodeCall) -> ResolvedNode:
        if spec.factory is None:
            return static
        # The run's context (already an instance of the context schema) for `ServerRuntime.context`.
        built = await prepared.run_graphs.get(
            spec.factory, activity.info().workflow_id, _factory_config(call), unpack(call.context)
        )
        shape = graph_shape(spec.graph_id, built, spec.source)
        if shape.builder is None:
            raise ValueError(f"graph {spec.graph_id!r}: the factory built a Functional API graph for this run")
        try:
            builder, found = find_node(shape.builder, path)
        except KeyError:
            raise ValueError(
                f"graph {spec.graph_id!r}: the graph the factory built for this run has no node {'/'.join(path)!r} "
                f"(a factory must build the same topology for every run)"
            ) from None
        return resolved(builder, found, shape.context_schema)

    return define_node_activity(name, resolve, batch_interval)


def _prepare(
    prepared: PreparedGraphs,
    spec: GraphSpec,
    registered_as: str,
    prefix: list[str],
    source: StateGraph[Any, Any, Any, Any],
    defaults: NodeDefaults,
    batch_interval: timedelta,
) -> None:
    graph = copy.copy(source)
    graph.nodes = {}
    for name, node in source.nodes.items():
        path = [*prefix, name]
        runnable = node.runnable
        own_metadata = {k: v for k, v in (node.metadata or {}).items() if k not in ACTIVITY_OPTION_KEYS}
        options = {k: v for k, v in (node.metadata or {}).items() if k in ACTIVITY_OPTION_KEYS}
        child = _subgraph_builder(runnable)
        if child is not None:
            # A compiled subgraph as a node: orchestrated in the workflow, its nodes run as activities.
            child_id = subgraph_id(registered_as, name)
            _prepare(prepared, spec, child_id, path, child, defaults, batch_interval)
            runner = _subgraph_runner(prepared.builder, child_id, name)
            graph.nodes[name] = dataclasses.replace(node, runnable=runner, metadata=own_metadata, retry_policy=None)
            continue
        if options.pop("execute_in", "activity") == "workflow":
            if isinstance(runnable, RunnableCallable):
                runnable = copy.copy(runnable)
                if _native_afunc(runnable) is not None:
                    runnable.func = None  # async-only tools need afunc; sync ones cannot run in a workflow
            graph.nodes[name] = dataclasses.replace(node, runnable=runnable, metadata=own_metadata)
            continue
        policies = _retry_policies(node)
        prepared.activities.append(_node_activity(prepared, spec, path, batch_interval))
        stub = activity_node(activity_name(spec.graph_id, path), spec.graph_id, path, {**defaults.activity_options(policies), **options})
        graph.nodes[name] = dataclasses.replace(node, runnable=stub, metadata=own_metadata, retry_policy=None)
    graph.branches = copy.copy(source.branches)
    for start, branches in source.branches.items():
        graph.branches[start] = {}
        for branch_name, branch in branches.items():
            path_fn = branch.path
            if isinstance(path_fn, RunnableCallable) and _native_afunc(path_fn) is None and path_fn.func is not None:
                path_fn = copy.copy(path_fn)
                path_fn.afunc = _async_router(path_fn.func)
                branch = branch._replace(path=path_fn) if hasattr(branch, "_replace") else dataclasses.replace(branch, path=path_fn)
            graph.branches[start][branch_name] = branch
    prepared.builders[registered_as] = graph
