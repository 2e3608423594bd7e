"""Graphs that show who called them: from the run's config, and from a factory's ServerRuntime."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph_sdk.runtime import ServerRuntime
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    who: str
    org: str | None
    user_id: str
    permissions: list[str]
    built_for: str | None
    gate: str


def _whoami_node(config: RunnableConfig) -> dict[str, Any]:
    configurable = config["configurable"]
    user = configurable["langgraph_auth_user"]
    return {
        # As an object and as a mapping, as graphs on the official server read it.
        "who": user.identity,
        "org": user.get("org"),
        "user_id": configurable["langgraph_auth_user_id"],
        "permissions": list(configurable["langgraph_auth_permissions"]),
    }


def _graph(built_for: str | None = None) -> StateGraph:
    builder = StateGraph(State)

    def whoami(state: State, config: RunnableConfig) -> dict[str, Any]:
        return {**_whoami_node(config), "built_for": built_for}

    builder.add_node("whoami", whoami)
    builder.add_edge(START, "whoami")
    builder.add_edge("whoami", END)
    return builder


whoami = _graph().compile()


def factory_whoami(config: RunnableConfig, runtime: ServerRuntime) -> Any:
    return _graph(runtime.user.identity if runtime.user is not None else None).compile()


async def _wait(state: State) -> dict[str, Any]:
    gate = Path(state.get("gate") or "/nonexistent")
    while not gate.exists():  # until the test opens the gate (or cancels the run)
        await asyncio.sleep(0.05)
    return {}


_waiter = StateGraph(State)
_waiter.add_node("wait", _wait)
_waiter.add_edge(START, "wait")
_waiter.add_edge("wait", END)
waiter = _waiter.compile()
