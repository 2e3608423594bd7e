"""Test graphs. Nodes record every execution in a log file named in the input, so tests can count
executions across worker processes (a node that finished must never run again)."""

from __future__ import annotations

import asyncio
import hashlib
import operator
from pathlib import Path
from typing import Annotated, Any

from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from langgraph.config import get_store
from langgraph.graph import END, START, StateGraph, add_messages
from langgraph.prebuilt import InjectedStore, ToolNode
from langgraph.stream.transformers import CustomTransformer, UpdatesTransformer
from langgraph.runtime import Runtime
from typing_extensions import TypedDict


class TraceState(TypedDict, total=False):
    label: str
    log_file: str
    # The `wait` node blocks until this file exists: the test opens the gate when it is ready.
    gate: str
    trace: Annotated[list[str], operator.add]


def _record(state: TraceState, event: str) -> None:
    if state.get("log_file"):
        with open(state["log_file"], "a") as f:
            f.write(f"{state.get('label', '')}:{event}\n")


async def first(state: TraceState) -> dict[str, Any]:
    _record(state, "first")
    return {"trace": [f"{state.get('label', '')}:first"]}


async def wait(state: TraceState) -> dict[str, Any]:
    _record(state, "wait-started")
    gate = state.get("gate")
    try:
        while gate and not Path(gate).exists():
            await asyncio.sleep(0.05)
    except asyncio.CancelledError:
        _record(state, "wait-cancelled")  # the cancel reached the node itself
        raise
    _record(state, "wait-done")
    return {"trace": [f"{state.get('label', '')}:wait"]}


async def last(state: TraceState) -> dict[str, Any]:
    _record(state, "last")
    return {"trace": [f"{state.get('label', '')}:last"]}


_gated = StateGraph(TraceState)
_gated.add_node("first", first)
_gated.add_node("wait", wait)
_gated.add_node("last", last)
_gated.add_edge(START, "first")
_gated.add_edge("first", "wait")
_gated.add_edge("wait", "last")
_gated.add_edge("last", END)
# Compiled with LangGraph's stream transformers, so their thread-protocol streams have the updates
# and custom channels (tests/e2e/test_thread_protocol.py), as `astream_events(version="v3")`.
STREAMS = [UpdatesTransformer, CustomTransformer]
gated = _gated.compile(transformers=STREAMS)
# The same graph compiled with a static interrupt: runs that name none stop after `first`.
reviewed = _gated.compile(interrupt_after=["first"])


async def ask(state: TraceState) -> dict[str, Any]:
    """Asks a human while its sibling `wait` still works in the same step."""
    from langgraph.types import interrupt

    _record(state, "ask")
    answer = interrupt({"question": "go on?"})
    return {"trace": [f"{state.get('label', '')}:ask:{answer}"]}


# Two parallel branches: `ask` interrupts at once, `wait` blocks until its gate opens.
_forked = StateGraph(TraceState)
_forked.add_node("ask", ask)
_forked.add_node("wait", wait)
_forked.add_edge(START, "ask")
_forked.add_edge(START, "wait")
_forked.add_edge("ask", END)
_forked.add_edge("wait", END)
forked = _forked.compile()


class FailingState(TypedDict, total=False):
    value: int


async def explode(state: FailingState) -> dict[str, Any]:
    raise ValueError("boom: this node always fails")


_failing = StateGraph(FailingState)
_failing.add_node("explode", explode)
_failing.add_edge(START, "explode")
_failing.add_edge("explode", END)
failing = _failing.compile()


class WriterState(TypedDict, total=False):
    items: int
    written: Annotated[list[int], operator.add]


async def write(state: WriterState) -> dict[str, Any]:
    """Writes progress to the run's stream from inside its activity (`custom` stream mode)."""
    from langgraph.config import get_stream_writer

    writer = get_stream_writer()
    for i in range(state.get("items", 3)):
        writer({"progress": i})
    return {"written": list(range(state.get("items", 3)))}


_writer = StateGraph(WriterState)
_writer.add_node("write", write)
_writer.add_edge(START, "write")
_writer.add_edge("write", END)
writer = _writer.compile(transformers=STREAMS)


class NestedState(TypedDict, total=False):
    topic: str
    notes: Annotated[list[str], operator.add]


async def research(state: NestedState) -> dict[str, Any]:
    from langgraph.config import get_stream_writer

    get_stream_writer()({"researching": state.get("topic", "")})
    return {"notes": [f"researched {state.get('topic', '')}"]}


async def summarize(state: NestedState) -> dict[str, Any]:
    return {"notes": [f"summary of {len(state.get('notes', []))} notes"]}


async def plan(state: NestedState) -> dict[str, Any]:
    return {"notes": ["planned"]}


_child = StateGraph(NestedState)
_child.add_node("research", research)
_child.add_node("summarize", summarize)
_child.add_edge(START, "research")
_child.add_edge("research", "summarize")
_child.add_edge("summarize", END)

_nested = StateGraph(NestedState)
_nested.add_node("plan", plan)
_nested.add_node("team", _child.compile())  # a compiled subgraph used directly as a node
_nested.add_edge(START, "plan")
_nested.add_edge("plan", "team")
_nested.add_edge("team", END)
nested = _nested.compile(transformers=STREAMS)


class ReviewState(TypedDict, total=False):
    draft: str
    verdict: str
    published: bool


async def write_draft(state: ReviewState) -> dict[str, Any]:
    return {"draft": f"draft about {state.get('draft', 'nothing')}"}


async def review(state: ReviewState) -> dict[str, Any]:
    """Human in the loop inside an activity node: the run stops here until a resume."""
    from langgraph.types import interrupt

    verdict = interrupt({"question": "publish this?", "draft": state.get("draft")})
    return {"verdict": str(verdict)}


async def publish(state: ReviewState) -> dict[str, Any]:
    return {"published": state.get("verdict") == "yes"}


def _review_flow(review_metadata: dict[str, Any] | None = None) -> StateGraph[Any, Any, Any, Any]:
    flow = StateGraph(ReviewState)
    flow.add_node("write_draft", write_draft)
    flow.add_node("review", review, metadata=review_metadata)
    flow.add_node("publish", publish)
    flow.add_edge(START, "write_draft")
    flow.add_edge("write_draft", "review")
    flow.add_edge("review", "publish")
    flow.add_edge("publish", END)
    return flow


hitl = _review_flow().compile()
# The same flow with the human step run inside the workflow instead of an activity.
hitl_inline = _review_flow({"execute_in": "workflow"}).compile()


class FlakyState(TypedDict, total=False):
    fixed_when: str
    attempts: Annotated[list[str], operator.add]


async def prepare(state: FlakyState) -> dict[str, Any]:
    return {"attempts": ["prepared"]}


async def call_service(state: FlakyState) -> dict[str, Any]:
    """Fails until the file named in the input exists (a broken dependency an operator fixes)."""
    if not Path(state.get("fixed_when", "")).exists():
        raise RuntimeError("the service is down")
    return {"attempts": ["called"]}


_flaky = StateGraph(FlakyState)
_flaky.add_node("prepare", prepare)
_flaky.add_node("call_service", call_service)
_flaky.add_edge(START, "prepare")
_flaky.add_edge("prepare", "call_service")
_flaky.add_edge("call_service", END)
flaky = _flaky.compile()


class BulkyState(TypedDict, total=False):
    steps: int
    chunk_kb: int
    # Grows by one chunk per step: a long conversation or big tool results in miniature.
    chunks: Annotated[list[str], operator.add]


async def grow(state: BulkyState) -> dict[str, Any]:
    index = len(state.get("chunks", []))
    # Incompressible-looking text, so the test measures size, not zlib.
    seed = f"{index}-".encode()
    text = "".join(hashlib.sha256(seed + str(i).encode()).hexdigest() for i in range(state.get("chunk_kb", 700) * 1024 // 64))
    return {"chunks": [text]}


async def route_growth(state: BulkyState) -> str:
    return "grow" if len(state.get("chunks", [])) < state.get("steps", 5) else END


_bulky = StateGraph(BulkyState)
_bulky.add_node("grow", grow)
_bulky.add_edge(START, "grow")
_bulky.add_conditional_edges("grow", route_growth, ["grow", END])
bulky = _bulky.compile()


# --- The long-term memory store from inside nodes (activities): `runtime.store`, `get_store()` and a
# tool's `InjectedStore`, all the server's own store, which the API reads and writes too.


class MemoryState(TypedDict, total=False):
    user: str
    note: str
    profile: dict[str, Any] | None
    messages: Annotated[list[Any], add_messages]


async def remember(state: MemoryState, runtime: Runtime[Any]) -> dict[str, Any]:
    assert runtime.store is not None, "the server gives every node its store"
    namespace = ("memories", state["user"])
    await runtime.store.aput(namespace, "note", {"text": state["note"]})
    # What the API wrote before the run (the profile), read here through `get_store()`.
    profile = await get_store().aget(("profiles",), state["user"])
    call = {"name": "save_fact", "args": {"user": state["user"], "fact": state["note"].upper()}, "id": "call-1"}
    return {"profile": profile.value if profile else None, "messages": [AIMessage(content="", tool_calls=[call])]}


@tool
async def save_fact(user: str, fact: str, store: Annotated[Any, InjectedStore()]) -> str:
    """Save a fact about the user."""
    await store.aput(("facts", user), "latest", {"fact": fact})
    return "saved"


_memory = StateGraph(MemoryState)
_memory.add_node("remember", remember)
_memory.add_node("tools", ToolNode([save_fact]))
_memory.add_edge(START, "remember")
_memory.add_edge("remember", "tools")
_memory.add_edge("tools", END)
memory = _memory.compile()


async def recall_in_workflow(state: MemoryState, runtime: Runtime[Any]) -> dict[str, Any]:
    # Runs inside the workflow (`execute_in="workflow"`): the store through local activities.
    assert runtime.store is not None
    await runtime.store.aput(("inline", state["user"]), "seen", {"note": state["note"]})
    profile = await runtime.store.aget(("profiles",), state["user"])
    found = await runtime.store.asearch(("inline", state["user"]))
    return {"profile": {"profile": profile.value if profile else None, "found": [i.value for i in found]}}


_memory_inline = StateGraph(MemoryState)
_memory_inline.add_node("recall", recall_in_workflow, metadata={"execute_in": "workflow"})
_memory_inline.add_edge(START, "recall")
_memory_inline.add_edge("recall", END)
memory_inline = _memory_inline.compile()
