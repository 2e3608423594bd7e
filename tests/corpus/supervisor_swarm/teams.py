"""Multi-agent graphs: a langgraph-supervisor team and a langgraph-swarm (Alice/Bob handoffs).

- `supervisor`: `create_supervisor` over a `create_agent` math worker and a `create_react_agent`
  research worker. The supervisor hands off to the researcher, then to the math expert, then sums up.
- `swarm`: `create_swarm` of Alice (can add, hands off to Bob) and Bob (a pirate, hands off to
  Alice for arithmetic); the active agent is kept in the thread between runs.

Every model is a scripted fake whose reply is a pure function of the conversation it is shown.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.tools import tool
from langgraph_supervisor import create_supervisor
from langgraph_swarm import create_handoff_tool, create_swarm

from langgraph.prebuilt import create_react_agent


class Scripted(BaseChatModel):
    """A chat model whose reply is `POLICIES[policy](messages)`."""

    policy: str

    @property
    def _llm_type(self) -> str:
        return f"scripted-{self.policy}"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Scripted:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        message = POLICIES[self.policy](messages)
        return ChatResult(generations=[ChatGeneration(message=message)])


def _last_human(messages: list[BaseMessage]) -> str:
    return next((m.text for m in reversed(messages) if isinstance(m, HumanMessage)), "")


def _call(name: str, args: dict[str, Any], messages: list[BaseMessage]) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"{name}_{len(messages)}"}])


# --- supervisor --------------------------------------------------------------------------------


@tool
def lookup(topic: str) -> str:
    """Look a topic up in the (fixed) encyclopedia."""
    return f"{topic} has 8 arms"


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def supervisor_policy(messages: list[BaseMessage]) -> AIMessage:
    spoke = {m.name for m in messages if isinstance(m, AIMessage) and m.content}
    if "research_expert" not in spoke:
        return _call("transfer_to_research_expert", {}, messages)
    if "math_expert" not in spoke:
        return _call("transfer_to_math_expert", {}, messages)
    answers = [
        m.text
        for m in messages
        if isinstance(m, AIMessage) and m.name in ("research_expert", "math_expert") and not m.tool_calls
    ]
    return AIMessage(content="Summary: " + " / ".join(answers))


def research_policy(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage) and last.name == "lookup":
        return AIMessage(content=f"Research says: {last.text}")
    return _call("lookup", {"topic": "octopus"}, messages)


def math_policy(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage) and last.name == "multiply":
        return AIMessage(content=f"8 arms times 3 octopuses is {last.text}")
    return _call("multiply", {"a": 8, "b": 3}, messages)


with warnings.catch_warnings():  # create_react_agent is deprecated since LangGraph 1.0 (the supervisor uses it too)
    warnings.simplefilter("ignore")
    research_expert = create_react_agent(
        Scripted(policy="research"), tools=[lookup], name="research_expert", prompt="You research."
    )
    math_expert = create_agent(
        Scripted(policy="math"), tools=[multiply], name="math_expert", system_prompt="You compute."
    )
    supervisor = create_supervisor(
        [research_expert, math_expert],
        model=Scripted(policy="supervisor"),
        prompt="You manage a research expert and a math expert.",
    ).compile(name="supervisor")


# --- swarm -------------------------------------------------------------------------------------


@tool
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def alice_policy(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage) and last.name == "add":
        return AIMessage(content=f"Alice here: the sum is {last.text}.", name="Alice")
    text = _last_human(messages)
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if "bob" in text.lower():
        return _call("transfer_to_bob", {}, messages)
    if len(numbers) >= 2:
        return _call("add", {"a": numbers[0], "b": numbers[1]}, messages)
    return AIMessage(content="Alice here: give me two numbers.", name="Alice")


def bob_policy(messages: list[BaseMessage]) -> AIMessage:
    text = _last_human(messages)
    if re.search(r"\d+", text):
        return _call("transfer_to_alice", {}, messages)
    return AIMessage(content="Ahoy, Bob the pirate at yer service!", name="Bob")


alice = create_agent(
    Scripted(policy="alice"),
    tools=[add, create_handoff_tool(agent_name="Bob", description="Transfer to Bob, who speaks like a pirate.")],
    system_prompt="You are Alice, an addition expert.",
    name="Alice",
)
bob = create_agent(
    Scripted(policy="bob"),
    tools=[create_handoff_tool(agent_name="Alice", description="Transfer to Alice, she can help with math.")],
    system_prompt="You are Bob, you speak like a pirate.",
    name="Bob",
)
swarm = create_swarm([alice, bob], default_active_agent="Alice").compile(name="swarm")


POLICIES: dict[str, Callable[[list[BaseMessage]], AIMessage]] = {
    "supervisor": supervisor_policy,
    "research": research_policy,
    "math": math_policy,
    "alice": alice_policy,
    "bob": bob_policy,
}
