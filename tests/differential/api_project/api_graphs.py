"""Small deterministic graphs (no model) that the API differential cases run on both servers."""

from __future__ import annotations

import asyncio
import operator
from dataclasses import dataclass
from typing import Annotated, Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import interrupt
from typing_extensions import TypedDict


class EchoState(TypedDict, total=False):
    items: Annotated[list[str], operator.add]
    count: int


async def first(state: EchoState) -> dict[str, Any]:
    return {"items": ["first"], "count": state.get("count", 0) + 1}


async def second(state: EchoState) -> dict[str, Any]:
    return {"items": ["second"], "count": state.get("count", 0) + 1}


echo = (
    StateGraph(EchoState)
    .add_node("first", first)
    .add_node("second", second)
    .add_edge(START, "first")
    .add_edge("first", "second")
    .add_edge("second", END)
    .compile()
)


async def explode(state: EchoState) -> dict[str, Any]:
    raise ValueError(f"boom after {len(state.get('items') or [])} items")


failing = (
    StateGraph(EchoState)
    .add_node("first", first)
    .add_node("explode", explode)
    .add_edge(START, "first")
    .add_edge("first", "explode")
    .compile()
)


async def ask(state: EchoState) -> dict[str, Any]:
    answer = interrupt({"question": "what next?"})
    return {"items": [f"answer:{answer}"]}


asker = (
    StateGraph(EchoState)
    .add_node("first", first)
    .add_node("ask", ask)
    .add_edge(START, "first")
    .add_edge("first", "ask")
    .add_edge("ask", END)
    .compile()
)


class SlowState(TypedDict, total=False):
    items: Annotated[list[str], operator.add]
    seconds: float


async def nap(state: SlowState) -> dict[str, Any]:
    await asyncio.sleep(state.get("seconds", 30))
    return {"items": ["woke"]}


slow = StateGraph(SlowState).add_node("nap", nap).add_edge(START, "nap").compile()


@dataclass
class Ctx:
    user: str = "nobody"
    level: int = 0


class CtxState(TypedDict, total=False):
    seen: dict[str, Any]


async def look(state: CtxState, config: RunnableConfig, runtime: Runtime[Ctx]) -> dict[str, Any]:
    configurable = config.get("configurable") or {}
    return {
        "seen": {
            "context_user": runtime.context.user,
            "context_level": runtime.context.level,
            "configurable_user": configurable.get("user"),
            "configurable_level": configurable.get("level"),
            "configurable_extra": configurable.get("extra"),
        }
    }


ctx = StateGraph(CtxState, context_schema=Ctx).add_node("look", look).add_edge(START, "look").compile()
