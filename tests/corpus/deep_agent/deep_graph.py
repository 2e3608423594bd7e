"""A deepagents `create_deep_agent` with one sub-agent, driven by scripted fakes.

The supervisor first writes a note with the built-in `write_file` tool (files live in the graph
state, reached through `ToolRuntime.state`) and delegates to the `researcher` sub-agent with the
`task` tool, in parallel; once both tool results are in, it answers quoting the researcher. The
researcher answers from its task description. Both replies are pure functions of the conversation.
"""

from __future__ import annotations

import re
from typing import Any

from deepagents import create_deep_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult


def _last_human(messages: list[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def supervisor(messages: list[BaseMessage]) -> AIMessage:
    last = messages[-1]
    if isinstance(last, ToolMessage):
        results = {}
        for message in reversed(messages):
            if not isinstance(message, ToolMessage):
                break
            results[message.name] = message.text
        return AIMessage(content=f"Research complete. The researcher said: {results.get('task', '?')}")
    topic = re.sub(r"^(please )?research\s*", "", _last_human(messages), flags=re.I).strip(" .?") or "nothing"
    n = len(messages)
    return AIMessage(
        content="",
        tool_calls=[
            {"name": "write_file", "args": {"file_path": "/notes.md", "content": f"# {topic}\n"}, "id": f"write_{n}"},
            {"name": "task", "args": {"subagent_type": "researcher", "description": f"research {topic}"}, "id": f"task_{n}"},
        ],
    )


def researcher(messages: list[BaseMessage]) -> AIMessage:
    return AIMessage(content=f"Notes on '{_last_human(messages)}': it is well documented.")


class Scripted(BaseChatModel):
    """A chat model whose reply is `policy(messages)`; `bind_tools` keeps it as it is."""

    policy_name: str

    @property
    def _llm_type(self) -> str:
        return f"scripted-{self.policy_name}"

    def bind_tools(self, tools: Any, **kwargs: Any) -> Scripted:
        return self

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        policy = supervisor if self.policy_name == "supervisor" else researcher
        return ChatResult(generations=[ChatGeneration(message=policy(messages))])


agent = create_deep_agent(
    model=Scripted(policy_name="supervisor"),
    system_prompt="You coordinate a researcher. Delegate research with the task tool.",
    subagents=[
        {
            "name": "researcher",
            "description": "Researches a topic and returns short notes.",
            "system_prompt": "You are a researcher. Answer in one sentence.",
            "model": Scripted(policy_name="researcher"),
        }
    ],
    name="deep_research",
)
