"""Graph factories in every form the official server calls: with a config, async, a context manager
taking a `ServerRuntime`, and one taking both. Each graph's node is a closure over what the factory
received, so the output shows it; the context manager logs when it opens and closes (SHAPES_LOG)."""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import START, StateGraph
from langgraph_sdk.runtime import ServerRuntime
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    seen: dict[str, Any]
    gate: str
    log: str


def _graph(seen: dict[str, Any]) -> Any:
    async def report(state: State) -> State:  # a closure: `_graph.<locals>.report`
        if state.get("gate"):
            Path(state["log"]).open("a").write("report-started\n")
            while not Path(state["gate"]).exists():
                await asyncio.sleep(0.05)
        return {"seen": seen}

    async def after(state: State) -> State:
        if state.get("log"):
            Path(state["log"]).open("a").write("after\n")
        return {}

    builder = StateGraph(State)
    builder.add_node("report", report)
    builder.add_node("after", after)
    builder.add_edge(START, "report")
    builder.add_edge("report", "after")
    return builder.compile()


def sync_factory(config: RunnableConfig) -> Any:
    return _graph({"flavor": config["configurable"].get("flavor"), "kind": "sync"})


async def async_factory() -> Any:
    await asyncio.sleep(0)
    return _graph({"kind": "async"})


def _log(line: str) -> None:
    if path := os.environ.get("SHAPES_LOG"):
        with open(path, "a") as f:
            f.write(line + "\n")


@contextlib.asynccontextmanager
async def cm_factory(runtime: ServerRuntime):
    _log(f"open {runtime.access_context}")
    try:
        yield _graph({"kind": "cm", "access_context": runtime.access_context, "executing": runtime.execution_runtime is not None})
    finally:
        _log(f"close {runtime.access_context}")


def both_factory(config: RunnableConfig, runtime: ServerRuntime) -> Any:
    return _graph({"kind": "both", "flavor": config["configurable"].get("flavor"), "access_context": runtime.access_context})
