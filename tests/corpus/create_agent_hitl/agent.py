"""A LangChain v1 `create_agent` with human-in-the-loop review, a `@before_model` hook and context.

- `HumanInTheLoopMiddleware` gates `book_flight` (approve, edit or reject; one batched interrupt
  per model turn); `whoami` runs without review.
- `count_turns` is a decorator-made `@before_model` hook that keeps a counter in a custom state key.
- `TravelContext` is a dataclass `context_schema`: `whoami` reads it through `ToolRuntime` (with
  `runtime.state`), `book_flight` through `get_runtime()` and sees the state via `InjectedState`.
- The chat model is a scripted fake whose reply is a pure function of the conversation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Annotated, Any

from langchain.agents import AgentState, create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware, before_model
from langchain.tools import InjectedState, ToolRuntime
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool
from langgraph.runtime import Runtime, get_runtime
from typing_extensions import NotRequired


@dataclass
class TravelContext:
    user_name: str = "guest"
    tier: str = "standard"


class TravelState(AgentState):
    model_turns: NotRequired[int]


@before_model(state_schema=TravelState)
def count_turns(state: TravelState, runtime: Runtime[TravelContext]) -> dict[str, Any]:
    return {"model_turns": state.get("model_turns", 0) + 1}


@tool
def whoami(runtime: ToolRuntime[TravelContext]) -> str:
    """Say who the user is."""
    context = runtime.context
    kind = type(context).__name__
    return f"user {context.user_name} ({context.tier}, {kind}), {len(runtime.state['messages'])} messages so far"


@tool
def book_flight(destination: str, state: Annotated[dict, InjectedState]) -> str:
    """Book a flight to the destination."""
    context = get_runtime(TravelContext).context
    return f"booked {destination} for {context.user_name} at model turn {state.get('model_turns')}"


def respond(messages: list[BaseMessage]) -> AIMessage:
    """The scripted reply: tool calls for what the last user message asks, then a summary."""
    last = messages[-1]
    if isinstance(last, ToolMessage):
        results = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results.append(f"{message.name}: {message.content}")
        return AIMessage(content="Done. " + " | ".join(reversed(results)))
    text = last.content if isinstance(last, HumanMessage) and isinstance(last.content, str) else ""
    calls = []
    if "who am i" in text.lower():
        calls.append({"name": "whoami", "args": {}, "id": f"call_whoami_{len(messages)}"})
    match = re.search(r"flight to (\w+)", text)
    if match:
        calls.append({"name": "book_flight", "args": {"destination": match.group(1)}, "id": f"call_book_{len(messages)}"})
    if calls:
        return AIMessage(content="", tool_calls=calls)
    return AIMessage(content=f"Nothing to do for: {text}")


class ScriptedTravelModel(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "scripted-travel"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedTravelModel:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=respond(messages))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any):
        message = respond(messages)
        words = re.findall(r"\S+\s*", message.content) or [""]
        for index, word in enumerate(words):
            last = index == len(words) - 1
            chunk = AIMessageChunk(
                content=word,
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                    for i, c in enumerate(message.tool_calls)
                ]
                if last
                else [],
                chunk_position="last" if last else None,
            )
            generation = ChatGenerationChunk(message=chunk)
            if run_manager:
                run_manager.on_llm_new_token(word, chunk=generation)
            yield generation


agent = create_agent(
    model=ScriptedTravelModel(),
    tools=[whoami, book_flight],
    system_prompt="You are a travel assistant.",
    middleware=[count_turns, HumanInTheLoopMiddleware(interrupt_on={"book_flight": True})],
    context_schema=TravelContext,
    name="travel_agent",
)
