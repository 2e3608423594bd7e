"""Every kind of node LangGraph accepts, and what nodes return and read, in one graph each.

`zoo`: a closure, a lambda, a partial, a callable object, a bound method and a chain, then a
`Send` fan-out with dataclass arguments to a node returning a list of `Command`s, then a node whose
`Command(goto=[Send(...)])` reaches the last node; nodes read the run's `configurable`, a typed
`context_schema`, `get_config()`, `get_runtime()`, and write with `get_stream_writer()`.
`chat`: a chat model used directly as a node, and a `prompt | model` chain. `flaky`: a
`RetryPolicy` that retries one kind of error and not another.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AnyMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableConfig, RunnableLambda
from pydantic import BaseModel
from langgraph.config import get_config, get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.runtime import Runtime, get_runtime
from langgraph.types import Command, RetryPolicy, Send
from typing_extensions import TypedDict


@dataclass
class Caller:
    name: str = "nobody"
    punctuation: str = "."


@dataclass
class Item:
    n: int


class Zoo(TypedDict, total=False):
    x: int
    trace: Annotated[list[str], operator.add]
    squares: Annotated[list[int], operator.add]
    note: str
    seen: dict[str, Any]


def add(state: Zoo, n: int) -> Zoo:
    return {"x": state["x"] + n, "trace": ["partial"]}


class Incrementer:
    """A callable object (the LangGraph tutorial's BasicToolNode pattern)."""

    def __call__(self, state: Zoo) -> Zoo:
        return {"x": state["x"] + 1, "trace": ["object"]}


class Greeter:
    def __init__(self, suffix: str) -> None:
        self.suffix = suffix

    def greet(self, state: Zoo, config: RunnableConfig, runtime: Runtime[Caller]) -> Zoo:
        greeting = config["configurable"].get("greeting", os.environ.get("SHAPES_GREETING", "?"))
        context = runtime.context
        return {
            "note": f"{greeting} {context.name}{context.punctuation}{self.suffix}",
            "trace": ["method"],
            "seen": {"context_type": type(context).__name__},
        }


def fan_out(state: Zoo) -> list[Send]:
    return [Send("square", Item(n)) for n in range(1, 4)]


def square(item: Item) -> list[Command]:
    return [Command(update={"squares": [item.n * item.n]}), Command(update={"trace": [f"square{item.n}"]})]


def hop(state: Zoo) -> Command:
    return Command(update={"trace": ["hop"]}, goto=[Send("last", {"x": state["x"] * 100})])


async def last(arg: dict[str, Any]) -> Zoo:
    get_stream_writer()({"from": "last", "x": arg["x"]})
    config = get_config()
    runtime = get_runtime(Caller)
    return {
        "trace": [f"last{arg['x']}"],
        "seen": {
            "thread_id_in_config": bool(config["configurable"].get("thread_id")),
            "greeting_in_config": config["configurable"].get("greeting"),
            "runtime_context": runtime.context.name,
        },
    }


def make_zoo() -> StateGraph:
    def closure(state: Zoo) -> Zoo:  # defined inside a builder function: `make_zoo.<locals>.closure`
        return {"x": state["x"] + 1, "trace": ["closure"]}

    builder = StateGraph(Zoo, context_schema=Caller)
    builder.add_node("closure", closure)
    builder.add_node("lam", lambda state: {"x": state["x"] * 2, "trace": ["lambda"]})
    builder.add_node("part", functools.partial(add, n=10))
    builder.add_node("obj", Incrementer())
    builder.add_node("meth", Greeter("!").greet)
    builder.add_node("chain", RunnableLambda(lambda s: {"x": s["x"]}) | RunnableLambda(lambda s: {"x": s["x"] + 3, "trace": ["chain"]}))
    builder.add_node("square", square)
    builder.add_node("hop", hop)
    builder.add_node("last", last)
    builder.add_edge(START, "closure")
    for a, b in [("closure", "lam"), ("lam", "part"), ("part", "obj"), ("obj", "meth"), ("meth", "chain")]:
        builder.add_edge(a, b)
    builder.add_conditional_edges("chain", fan_out, ["square"])
    builder.add_edge("square", "hop")
    builder.add_edge("last", END)
    return builder


zoo = make_zoo().compile()


class EchoModel(BaseChatModel):
    """Answers with the last message's text, upper-cased (derived from the conversation)."""

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=str(messages[-1].content).upper()))])


def make_chat() -> StateGraph:
    prompt = ChatPromptTemplate.from_messages([("system", "be loud"), ("placeholder", "{messages}")])
    builder = StateGraph(Annotated[list[AnyMessage], add_messages])
    builder.add_node("model", EchoModel())  # a chat model as the node itself (the MessageGraph form)
    # A chain: prompt | model (the prompt takes the conversation as its `messages`).
    builder.add_node("prompted", RunnableLambda(lambda messages: {"messages": messages}) | prompt | EchoModel())
    builder.add_edge(START, "model")
    builder.add_edge("model", "prompted")
    return builder


chat = make_chat().compile()


class Flaky(Exception):
    """The error the flaky node's retry policy retries."""


class Flaky2(TypedDict, total=False):
    counter_file: str
    fail_times: int
    fatal: bool
    attempts: int


def flaky_node(state: Flaky2) -> Flaky2:
    counter = Path(state["counter_file"])
    attempts = int(counter.read_text()) + 1 if counter.exists() else 1
    counter.write_text(str(attempts))
    if state.get("fatal"):
        raise KeyError("not retried: the policy retries Flaky only")
    if attempts <= state.get("fail_times", 0):
        raise Flaky(f"attempt {attempts} failed")
    return {"attempts": attempts}


_flaky = StateGraph(Flaky2)
_flaky.add_node("flaky", flaky_node, retry_policy=RetryPolicy(max_attempts=3, initial_interval=0.05, jitter=False, retry_on=Flaky))
_flaky.add_edge(START, "flaky")
flaky = _flaky.compile()


class Loop(TypedDict, total=False):
    n: int


async def step(state: Loop) -> Loop:
    return {"n": state.get("n", 0) + 1}


def again(state: Loop) -> str:
    return "step" if state["n"] < 5 else END


_loop = StateGraph(Loop)
_loop.add_node("step", step)
_loop.add_edge(START, "step")
_loop.add_conditional_edges("step", again, ["step", END])
# The compiled graph's own options: its name (the default assistant's name) and a recursion limit
# that a five-step loop exceeds unless the run asks for more.
limited = _loop.compile(name="counter").with_config(recursion_limit=3)


class PydanticState(BaseModel):
    """A pydantic state: each node gets an instance, as in LangGraph."""

    count: int = 0
    seen: list[str] = []


@dataclass
class DataclassState:
    count: int = 0
    seen: list[str] = dataclasses.field(default_factory=list)


def _typed_graph(schema: type) -> Any:
    def bump(state: Any) -> dict[str, Any]:
        return {"count": state.count + 1, "seen": [*state.seen, type(state).__name__]}

    builder = StateGraph(schema)
    builder.add_node("bump", bump)
    builder.add_node("bump_again", bump)
    builder.add_edge(START, "bump")
    builder.add_edge("bump", "bump_again")
    return builder.compile()


pydantic_state = _typed_graph(PydanticState)
dataclass_state = _typed_graph(DataclassState)
