"""The legacy prebuilt ReAct agent (`langgraph.prebuilt.create_react_agent`) with two tools.

The scripted model asks for the weather and the time in parallel when the user mentions both, then
answers with the tool results. `create_react_agent` dispatches each tool call with its own `Send`.
"""

from __future__ import annotations

import json
import re
import warnings
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.tools import tool

from langgraph.prebuilt import create_react_agent

WEATHER = {"sf": "foggy, 14C", "paris": "sunny, 22C", "tokyo": "rainy, 18C"}


@tool
def get_weather(city: str) -> str:
    """The current weather in a city."""
    return f"{city}: {WEATHER.get(city.lower(), 'unknown')}"


@tool
def get_time(city: str) -> str:
    """The local time in a city (a fixed clock, so runs are comparable)."""
    return f"{city}: 12:{len(city):02d}"


def respond(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage):
        results = []
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results.append(message.content)
        return AIMessage(content="Here you go: " + "; ".join(reversed(results)))
    text = str(last.content).lower()
    calls = []
    weather = re.search(r"weather in (\w+)", text)
    if weather:
        calls.append({"name": "get_weather", "args": {"city": weather.group(1)}, "id": f"w{len(messages)}"})
    time = re.search(r"time in (\w+)", text)
    if time:
        calls.append({"name": "get_time", "args": {"city": time.group(1)}, "id": f"t{len(messages)}"})
    if calls:
        return AIMessage(content="Let me check.", tool_calls=calls)
    return AIMessage(content=f"I can tell the weather or the time. You said: {last.content}")


class ScriptedReactModel(BaseChatModel):
    @property
    def _llm_type(self) -> str:
        return "scripted-react"

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedReactModel:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=respond(messages))])

    def _stream(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any):
        message = respond(messages)
        words = re.findall(r"\S+\s*", message.content) or [""]
        for index, word in enumerate(words):
            last = index == len(words) - 1
            calls = message.tool_calls if last else []
            chunk = AIMessageChunk(
                content=word,
                tool_call_chunks=[
                    {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i}
                    for i, c in enumerate(calls)
                ],
                chunk_position="last" if last else None,
            )
            generation = ChatGenerationChunk(message=chunk)
            if run_manager:
                run_manager.on_llm_new_token(word, chunk=generation)
            yield generation


with warnings.catch_warnings():  # deprecated since LangGraph 1.0, still widely used
    warnings.simplefilter("ignore")
    graph = create_react_agent(
        ScriptedReactModel(),
        tools=[get_weather, get_time],
        prompt="You are a concise assistant.",
        name="react_agent",
    )
