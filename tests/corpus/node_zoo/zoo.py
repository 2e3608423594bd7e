"""Every kind of node callable a StateGraph accepts, in one graph (`zoo`), plus a message graph
whose nodes are Runnables (`chat`).

`zoo` runs, in order: a closure, a lambda, a `functools.partial`, a callable object, a bound
method, a `prompt | model | to_update` RunnableSequence, a node returning a list of `Command`s,
a `Send` map-reduce from a conditional edge, a node returning `Command(goto=[Send(...)])`, a
`RetryPolicy` node that fails its first two attempts (counted in a file per thread under
$CORPUS_SCRATCH), and a node with metadata that reports the metadata it sees. Every node appends
to `log`, so the order and the retries show in the state.

`chat` is a graph over a list of messages (the root channel): a chat model as a node, then
`prompt | model` as a node.
"""

from __future__ import annotations

import functools
import operator
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableConfig, RunnableLambda
from langgraph.graph import END, START, StateGraph, add_messages
from langgraph.types import Command, RetryPolicy, Send
from typing_extensions import TypedDict


class EchoModel(BaseChatModel):
    """Replies with the count and the text of the messages it was given."""

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        reply = f"{self.name or 'model'} saw {len(messages)}: " + " | ".join(f"{m.type}:{m.text}" for m in messages)
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


class State(TypedDict, total=False):
    log: Annotated[list[str], operator.add]
    items: list[str]
    mapped: Annotated[list[str], operator.add]
    messages: Annotated[list[AnyMessage], add_messages]


class FlakyError(RuntimeError):
    pass


def _attempts_file(config: RunnableConfig) -> Path:
    scratch = Path(os.environ.get("CORPUS_SCRATCH") or tempfile.gettempdir())
    thread = (config.get("configurable") or {}).get("thread_id") or "no-thread"
    return scratch / f"zoo-flaky-{thread}"


def flaky(state: State, config: RunnableConfig) -> State:
    """Fails the first two attempts on each thread, then reports how many it took."""
    path = _attempts_file(config)
    attempts = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(attempts))
    if attempts < 3:
        raise FlakyError(f"attempt {attempts} fails")
    return {"log": [f"flaky:ok after {attempts} attempts"]}


def tagged(state: State, *, tag: str) -> State:
    return {"log": [f"partial:{tag}"]}


class CallableNode:
    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, state: State) -> State:
        return {"log": [f"callable:{self.label}"]}


class Counter:
    def __init__(self) -> None:
        self.prefix = "method"

    def step(self, state: State) -> State:
        return {"log": [f"{self.prefix}:{len(state.get('log', []))} entries before me"]}


def commands(state: State) -> list[Command]:
    return [Command(update={"log": ["commands:first"]}), Command(update={"log": ["commands:second"]}, goto="fanout")]


def fan_out(state: State) -> list[Send]:
    return [Send("mapper", {"items": [item]}) for item in state.get("items", [])]


def mapper(state: State) -> State:
    return {"mapped": [item.upper() for item in state.get("items", [])]}


def gather(state: State) -> State:
    return {"log": [f"gather:{','.join(state.get('mapped', []))}"]}


def send_command(state: State) -> Command:
    return Command(update={"log": ["send_command"]}, goto=[Send("late_mapper", {"items": ["zeta"]})])


def late_mapper(state: State) -> State:
    return {"mapped": [f"late:{item}" for item in state.get("items", [])]}


def with_metadata(state: State, config: RunnableConfig) -> State:
    metadata = config.get("metadata") or {}
    return {"log": [f"metadata:owner={metadata.get('owner')},tier={metadata.get('tier')}"]}


def build_zoo() -> Any:
    prefix = "built"

    def closure(state: State) -> State:  # a closure over `prefix`
        return {"log": [f"closure:{prefix}"]}

    model = EchoModel(name="chain_model")
    prompt = ChatPromptTemplate.from_messages([("system", "Be terse."), ("placeholder", "{messages}")])
    chain = prompt | model | RunnableLambda(lambda message: {"messages": [message], "log": ["chain"]})

    builder = StateGraph(State)
    builder.add_node("closure", closure)
    builder.add_node("lambda", lambda state: {"log": ["lambda"]})
    builder.add_node("partial", functools.partial(tagged, tag="p1"))
    builder.add_node("callable", CallableNode("c1"))
    builder.add_node("method", Counter().step)
    builder.add_node("chain", chain)
    builder.add_node("commands", commands)
    builder.add_node("fanout", lambda state: {"log": ["fanout"]})
    builder.add_node("mapper", mapper)
    builder.add_node("gather", gather)
    builder.add_node("send_command", send_command)
    builder.add_node("late_mapper", late_mapper)
    builder.add_node("flaky", flaky, retry_policy=RetryPolicy(max_attempts=3, initial_interval=0.05, jitter=False,
                                                              retry_on=FlakyError))
    builder.add_node("with_metadata", with_metadata, metadata={"owner": "zoo", "tier": 1})
    builder.add_edge(START, "closure")
    builder.add_edge("closure", "lambda")
    builder.add_edge("lambda", "partial")
    builder.add_edge("partial", "callable")
    builder.add_edge("callable", "method")
    builder.add_edge("method", "chain")
    builder.add_edge("chain", "commands")
    builder.add_conditional_edges("fanout", fan_out, ["mapper"])
    builder.add_edge("mapper", "gather")
    builder.add_edge("gather", "send_command")
    builder.add_edge("late_mapper", "flaky")
    builder.add_edge("flaky", "with_metadata")
    builder.add_edge("with_metadata", END)
    return builder.compile(name="zoo")


zoo = build_zoo()


def build_chat() -> Any:
    model = EchoModel(name="node_model")
    shout = ChatPromptTemplate.from_messages([("placeholder", "{messages}"), ("human", "now shout")]) | EchoModel(
        name="prompt_model"
    )
    builder = StateGraph(Annotated[list[AnyMessage], add_messages])
    builder.add_node("model", model)
    builder.add_node("shout", RunnableLambda(lambda messages: {"messages": messages}) | shout)
    builder.add_edge(START, "model")
    builder.add_edge("model", "shout")
    builder.add_edge("shout", END)
    return builder.compile(name="chat")


chat = build_chat()
