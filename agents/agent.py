"""The bundled `agent` graph: a ReAct loop (model node, tools node) with a `get_weather` tool.

With no configuration it answers with `OfflineToolCallingModel`. Set `AGENT_MODEL` to a
`provider:model` name (LangChain's `init_chat_model`, e.g. `openai:gpt-4o-mini`, with the
provider's key in its usual variable; `pip install 'temporal-agent-server[models]'`) and, for a
local OpenAI-compatible server, `AGENT_MODEL_BASE_URL`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.tools import tool
from langgraph.graph import END, START, MessagesState, StateGraph
from langgraph.prebuilt import ToolCallTransformer, ToolNode, tools_condition

from agents.offline_model import OfflineToolCallingModel


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    if city.strip().lower() in ("sf", "san francisco"):
        return "It's 60 degrees and foggy."
    return "It's 90 degrees and sunny."


TOOLS = [get_weather]


@lru_cache
def chat_model() -> Any:
    """The configured chat model with the tools bound (built once per worker process)."""
    name = os.environ.get("AGENT_MODEL", "").strip()
    model: BaseChatModel
    if not name or name == "offline":
        model = OfflineToolCallingModel()
    else:
        from langchain.chat_models import init_chat_model  # optional extra: [models]

        kwargs: dict[str, Any] = {}
        if base_url := os.environ.get("AGENT_MODEL_BASE_URL"):
            kwargs["base_url"] = base_url
        model = init_chat_model(name, **kwargs)
    return model.bind_tools(TOOLS)


async def call_model(state: MessagesState) -> dict[str, Any]:
    """The LLM call: one activity per turn."""
    return {"messages": [await chat_model().ainvoke(state["messages"])]}


builder = StateGraph(MessagesState)
builder.add_node("agent", call_model)
builder.add_node("tools", ToolNode(TOOLS))
builder.add_edge(START, "agent")
builder.add_conditional_edges("agent", tools_condition)
builder.add_edge("tools", "agent")

# ToolCallTransformer gives thread-protocol streams (`client.threads.stream`, useStream) the tools
# channel: tool-started / tool-finished / tool-error, as create_agent's graphs have it.
agent = builder.compile(transformers=[ToolCallTransformer])
