"""Graph factories in every shape the official server accepts; each graph's output shows what its
factory received, and every call is logged (one JSON line in $CORPUS_FACTORY_LOG, written by a
background thread so that no blocking I/O happens on the server's event loop).

- `make_graph(config)`: sync, one unannotated parameter (the config); a closure node.
- `make_async_graph(config: RunnableConfig)`: a coroutine returning an *uncompiled* StateGraph.
- `graph_with_runtime(runtime: ServerRuntime)`: an `@asynccontextmanager`; logs enter and exit.
- `make_graph_both(runtime: ServerRuntime, config: RunnableConfig)`: both, runtime first.
- `make_zero()`: no parameters.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph_sdk.runtime import ServerRuntime
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    text: str
    seen: dict[str, Any]


_lines: queue.Queue[tuple[str, str]] = queue.Queue()


def _write_lines() -> None:
    while True:
        path, line = _lines.get()
        with open(path, "a") as out:
            out.write(line + "\n")


threading.Thread(target=_write_lines, name="factory-log", daemon=True).start()


def _configurable(config: RunnableConfig | None) -> dict[str, Any]:
    return dict((config or {}).get("configurable") or {})


def _log(graph: str, *, config: RunnableConfig | None = None, runtime: Any = None, event: str = "call") -> None:
    path = os.environ.get("CORPUS_FACTORY_LOG")
    if not path:
        return
    entry: dict[str, Any] = {"graph": graph, "event": event, "ts": time.time(), "access_context": None}
    if config is not None:
        configurable = _configurable(config)
        entry["config_keys"] = sorted(config)
        entry["configurable_keys"] = sorted(k for k in configurable if not k.startswith("__"))
        entry["greeting"] = configurable.get("greeting")
    if runtime is not None:
        entry["access_context"] = runtime.access_context
        entry["runtime_type"] = type(runtime).__name__
        entry["context"] = getattr(runtime, "context", None)
        entry["user"] = None if runtime.user is None else str(runtime.user)
        entry["store"] = type(runtime.store).__name__
    _lines.put((path, json.dumps(entry, default=str)))


def _echo(name: str, seen: dict[str, Any]) -> StateGraph:
    def echo(state: State) -> State:  # a closure over what the factory saw
        return {"text": f"{state.get('text') or ''} via {name}", "seen": seen}

    return StateGraph(State).add_node("echo", echo).add_edge(START, "echo")


def _runtime_seen(runtime: ServerRuntime) -> dict[str, Any]:
    execution = runtime.execution_runtime
    return {
        "access_context": runtime.access_context,
        "is_execution": execution is not None,
        "context": execution.context if execution is not None else None,
        "user": None if runtime.user is None else str(runtime.user),
        "has_store": runtime.store is not None,
    }


def make_graph(config):  # noqa: ANN001, ANN201 - deliberately unannotated: the server passes the config
    _log("sync_config", config=config)
    configurable = _configurable(config)
    seen = {"greeting": configurable.get("greeting"), "has_thread": bool(configurable.get("thread_id"))}
    return _echo("sync_config", seen).compile()


async def make_async_graph(config: RunnableConfig) -> StateGraph:
    _log("async_config", config=config)
    return _echo("async_config", {"greeting": _configurable(config).get("greeting")})


@contextlib.asynccontextmanager
async def graph_with_runtime(runtime: ServerRuntime) -> AsyncIterator[CompiledStateGraph]:
    _log("acm_runtime", runtime=runtime, event="enter")
    try:
        yield _echo("acm_runtime", _runtime_seen(runtime)).compile()
    finally:
        _log("acm_runtime", runtime=runtime, event="exit")


def make_graph_both(runtime: ServerRuntime, config: RunnableConfig) -> CompiledStateGraph:
    _log("both", config=config, runtime=runtime)
    seen = {**_runtime_seen(runtime), "greeting": _configurable(config).get("greeting")}
    return _echo("both", seen).compile()


def make_zero() -> CompiledStateGraph:
    _log("zero")
    return _echo("zero", {"args": 0}).compile()
