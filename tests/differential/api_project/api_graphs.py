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


# A tool-calling agent with a scripted model (Agent Protocol v2 cases): the first turn calls
# `clock` (or `broken`, when the question says so), the second streams its answer word by word.
from langchain_core.language_models import BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult  # noqa: E402
from langchain_core.tools import tool  # noqa: E402
from langgraph.graph import MessagesState  # noqa: E402
from langgraph.config import get_stream_writer  # noqa: E402
from langgraph.prebuilt import ToolCallTransformer, ToolNode, tools_condition  # noqa: E402
from langgraph.stream.transformers import CustomTransformer, UpdatesTransformer  # noqa: E402


@tool
def clock(city: str) -> str:
    """The time in a city."""
    return f"noon in {city}"


@tool
def broken(city: str) -> str:
    """A tool that always fails."""
    raise ValueError(f"no clock in {city}")


class ScriptedModel(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Any, **kwargs: Any) -> "ScriptedModel":
        return self

    def _reply(self, messages: list[BaseMessage]) -> AIMessage:
        if isinstance(messages[-1], ToolMessage):
            return AIMessage(content=f"The answer: {messages[-1].content}.")
        name = "broken" if "broken" in str(messages[-1].content) else "clock"
        return AIMessage(content="", tool_calls=[{"id": "call-1", "name": name, "args": {"city": "Oslo"}}])

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._reply(messages))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> Any:
        reply = self._reply(messages)
        if reply.tool_calls:
            chunk = AIMessageChunk(content="", tool_call_chunks=[
                {"id": "call-1", "name": reply.tool_calls[0]["name"], "args": '{"city": "Oslo"}', "index": 0}
            ])
            if run_manager:
                run_manager.on_llm_new_token("", chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)
            return
        words = str(reply.content).split(" ")
        for i, word in enumerate(words):
            chunk = AIMessageChunk(content=word if i == 0 else f" {word}")
            if run_manager:
                run_manager.on_llm_new_token(str(chunk.content), chunk=ChatGenerationChunk(message=chunk))
            yield ChatGenerationChunk(message=chunk)


async def think(state: MessagesState) -> dict[str, Any]:
    get_stream_writer()({"name": "thinking", "turn": len(state["messages"])})
    return {"messages": [await ScriptedModel().ainvoke(state["messages"])]}


_tooler = (
    StateGraph(MessagesState)
    .add_node("think", think)
    .add_node("tools", ToolNode([clock, broken], handle_tool_errors=True))
    .add_edge(START, "think")
    .add_conditional_edges("think", tools_condition)
    .add_edge("tools", "think")
)
# Without stream transformers a thread-protocol stream has no tools, updates or custom channels;
# with them it has (LangGraph's v3 rule, which both servers follow).
tooler = _tooler.compile()
tooler_streams = _tooler.compile(transformers=[ToolCallTransformer, UpdatesTransformer, CustomTransformer])
