"""The graph registry: graphs from `langgraph.json`, prepared to run their nodes as activities.

Users' graphs run unchanged. For each graph the registry builds a private copy of its `StateGraph`
(the LangGraph plugin mutates what it is given, temporal-facts.md pitfall 4) and applies the
server's defaults: every node runs as an activity with a timeout, a bounded retry policy and a
heartbeat timeout, unless its metadata says `execute_in="workflow"`; sync routers become async
(pitfall 6); nodes with both sync and async forms run the async one (async-only tools work).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import importlib
import importlib.util
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.runnables.config import run_in_executor
from langgraph._internal._runnable import RunnableCallable
from langgraph.graph import StateGraph
from langgraph.pregel import Pregel
from temporalio.common import RetryPolicy

from activities.custom_stream import with_namespaced_custom_writes
from workflows.types import default_assistant_id


class GraphLoadError(Exception):
    """`langgraph.json` or one of its graphs cannot be loaded; the message says which and why."""


@dataclass(frozen=True)
class GraphSpec:
    """One graph of the project: its id, its builder and the compile options it was declared with."""

    graph_id: str
    builder: StateGraph[Any, Any, Any, Any]
    # The interrupts the graph was compiled with: the default of runs that name none ("*": every node).
    interrupt_before: list[str] | str = field(default_factory=list)
    interrupt_after: list[str] | str = field(default_factory=list)

    @property
    def assistant_id(self) -> str:
        return default_assistant_id(self.graph_id)


@dataclass(frozen=True)
class NodeDefaults:
    """Activity options every node gets unless its metadata overrides them."""

    start_to_close: timedelta
    heartbeat: timedelta
    max_attempts: int

    def activity_options(self) -> dict[str, Any]:
        return {
            "start_to_close_timeout": self.start_to_close,
            "heartbeat_timeout": self.heartbeat,
            "retry_policy": RetryPolicy(
                initial_interval=timedelta(milliseconds=200),
                maximum_interval=timedelta(seconds=10),
                maximum_attempts=self.max_attempts,
            ),
        }


def _load_env(config_dir: Path, env: Any) -> None:
    if isinstance(env, dict):
        for key, value in env.items():
            os.environ.setdefault(str(key), str(value))
    elif isinstance(env, str):
        env_file = (config_dir / env).resolve()
        if env_file.is_file():
            for line in env_file.read_text().splitlines():
                line = line.strip()
                if line and not line.startswith("#") and "=" in line:
                    key, value = line.split("=", 1)
                    os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def _import_file(path: Path, search_roots: list[Path]) -> Any:
    """Import a graph file under a real module name, so its functions are importable by name."""
    for root in search_roots:
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        module_name = ".".join(relative.with_suffix("").parts)
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        return importlib.import_module(module_name)
    module_name = "agent_server_graph_" + "_".join(path.with_suffix("").parts[-2:]).replace("-", "_")
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise GraphLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _as_spec(graph_id: str, obj: Any) -> GraphSpec:
    if callable(obj) and not isinstance(obj, (StateGraph, Pregel)):
        if inspect.iscoroutinefunction(obj):
            raise GraphLoadError(f"graph {graph_id!r}: async graph factories are not supported yet")
        params = inspect.signature(obj).parameters
        obj = obj({}) if params else obj()
    if isinstance(obj, StateGraph):
        return GraphSpec(graph_id, obj)
    builder = getattr(obj, "builder", None)
    if isinstance(obj, Pregel) and isinstance(builder, StateGraph):
        def names(value: Any) -> list[str] | str:
            return value if value == "*" else list(value or [])

        return GraphSpec(
            graph_id,
            builder,
            interrupt_before=names(getattr(obj, "interrupt_before_nodes", None)),
            interrupt_after=names(getattr(obj, "interrupt_after_nodes", None)),
        )
    raise GraphLoadError(
        f"graph {graph_id!r} must be a StateGraph, a compiled StateGraph or a factory returning one; "
        f"got {type(obj).__name__}"
    )


def load_graphs(config_path: Path) -> dict[str, GraphSpec]:
    """Read `langgraph.json` (`graphs` as `path.py:attr`, `dependencies`, `env`) and import its graphs."""
    config_path = Path(config_path).resolve()
    try:
        config = json.loads(config_path.read_text())
    except (OSError, ValueError) as exc:
        raise GraphLoadError(f"cannot read {config_path}: {exc}") from exc
    config_dir = config_path.parent
    roots = []
    for dep in config.get("dependencies", ["."]):
        dep_path = (config_dir / dep).resolve()
        if dep_path.is_dir():
            roots.append(dep_path)
            if str(dep_path) not in sys.path:
                sys.path.insert(0, str(dep_path))
    _load_env(config_dir, config.get("env", {}))
    graphs: dict[str, GraphSpec] = {}
    for graph_id, target in (config.get("graphs") or {}).items():
        location = target if isinstance(target, str) else target.get("path", "")
        file_part, _, attr = location.rpartition(":")
        if not file_part or not attr:
            raise GraphLoadError(f"graph {graph_id!r}: expected 'path/to/file.py:attribute', got {location!r}")
        file_path = (config_dir / file_part).resolve()
        if not file_path.is_file():
            raise GraphLoadError(f"graph {graph_id!r}: file not found: {file_path}")
        module = _import_file(file_path, roots)
        if not hasattr(module, attr):
            raise GraphLoadError(f"graph {graph_id!r}: {file_path.name} has no attribute {attr!r}")
        graphs[graph_id] = _as_spec(graph_id, getattr(module, attr))
    if not graphs:
        raise GraphLoadError(f"{config_path} declares no graphs")
    return graphs


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


SUBGRAPH_SEPARATOR = "/"


def subgraph_id(graph_id: str, node: str) -> str:
    """The plugin's name for the subgraph a node runs (its nodes' activities are `<graph>/<node>.<n>`)."""
    return f"{graph_id}{SUBGRAPH_SEPARATOR}{node}"


def _subgraph_builder(runnable: Any) -> StateGraph[Any, Any, Any, Any] | None:
    builder = getattr(runnable, "builder", None)
    return builder if isinstance(runnable, Pregel) and isinstance(builder, StateGraph) else None


def _subgraph_runner(child_id: str, name: str) -> RunnableCallable:
    """A node that runs a subgraph inside the workflow; the subgraph's own nodes are activities.

    Invoked with the parent task's config, LangGraph treats it as the parent's subgraph: it uses the
    parent's checkpointer under the `<node>:<task id>` namespace and streams with that namespace.
    """

    async def run_subgraph(state: Any, config: RunnableConfig) -> Any:
        from temporalio.langgraph import graph as registered_graph

        return await registered_graph(child_id).compile().ainvoke(state, config)

    run_subgraph.__name__ = name
    return RunnableCallable(None, run_subgraph, name=name)


def prepare_for_temporal(spec: GraphSpec) -> StateGraph[Any, Any, Any, Any]:
    """A copy of the graph's builder with the server's node defaults applied (input untouched)."""
    return _prepare(spec.graph_id, spec.builder)


def _prepare(graph_id: str, source: StateGraph[Any, Any, Any, Any]) -> StateGraph[Any, Any, Any, Any]:
    graph = copy.copy(source)
    graph.nodes = {}
    for name, node in source.nodes.items():
        runnable = node.runnable
        if _subgraph_builder(runnable) is not None:
            # A compiled subgraph as a node: orchestrated in the workflow, its nodes run as activities.
            metadata = {**dict(node.metadata or {}), "execute_in": "workflow"}
            runner = _subgraph_runner(subgraph_id(graph_id, name), name)
            graph.nodes[name] = dataclasses.replace(node, runnable=runner, metadata=metadata, retry_policy=None)
            continue
        if not isinstance(runnable, RunnableCallable):
            raise GraphLoadError(
                f"graph {graph_id!r}, node {name!r}: only function nodes and compiled subgraphs are "
                f"supported (got {type(runnable).__name__})"
            )
        runnable = copy.copy(runnable)
        if _native_afunc(runnable) is not None:
            runnable.func = None  # the plugin runs `func or afunc`; async-only tools need afunc
        metadata = {"execute_in": "activity", **dict(node.metadata or {})}
        if metadata["execute_in"] == "activity":
            # The plugin's activity writer loses a subgraph node's namespace; this restores it.
            if runnable.func is not None:
                runnable.func = with_namespaced_custom_writes(runnable.func)
            else:
                runnable.afunc = with_namespaced_custom_writes(runnable.afunc)
        retry = node.retry_policy
        if retry:
            first = retry[0] if isinstance(retry, (list, tuple)) and not hasattr(retry, "_fields") else retry
            metadata.setdefault(
                "retry_policy",
                RetryPolicy(
                    initial_interval=timedelta(seconds=first.initial_interval),
                    backoff_coefficient=first.backoff_factor,
                    maximum_interval=timedelta(seconds=first.max_interval),
                    maximum_attempts=first.max_attempts,
                ),
            )
        graph.nodes[name] = dataclasses.replace(node, runnable=runnable, metadata=metadata, retry_policy=None)
    graph.branches = copy.copy(source.branches)
    for start, branches in source.branches.items():
        graph.branches[start] = {}
        for branch_name, branch in branches.items():
            path = branch.path
            if isinstance(path, RunnableCallable) and _native_afunc(path) is None and path.func is not None:
                path = copy.copy(path)
                path.afunc = _async_router(path.func)
                branch = branch._replace(path=path) if hasattr(branch, "_replace") else dataclasses.replace(branch, path=path)
            graph.branches[start][branch_name] = branch
    return graph


def langgraph_plugin_graphs(graphs: dict[str, GraphSpec]) -> dict[str, StateGraph[Any, Any, Any, Any]]:
    """The prepared builders for `LangGraphPlugin(graphs=...)`: each graph and, under
    `<graph>/<node>`, every subgraph used as a node (at any depth)."""
    prepared: dict[str, StateGraph[Any, Any, Any, Any]] = {}
    pending = [(graph_id, spec.builder) for graph_id, spec in graphs.items()]
    while pending:
        graph_id, builder = pending.pop()
        prepared[graph_id] = _prepare(graph_id, builder)
        for name, node in builder.nodes.items():
            child = _subgraph_builder(node.runnable)
            if child is not None:
                pending.append((subgraph_id(graph_id, name), child))
    return prepared
