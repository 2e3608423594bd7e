"""What crosses the boundary between a run's workflow and a node's activity, and how it is packed.

A node's input, its result and the values inside its config may be any type a graph uses: plain
JSON and LangChain messages travel as legible JSON (the Temporal UI shows them as they are), every
other value — a pydantic or dataclass state, a `Command`, a `Send` with any argument, a tuple — as
LangGraph's own typed serialization, the format checkpoints use, so it comes back as the same type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage

from activities.messages import dump_typed, load_typed

# A packed value: {"json": value} or {"typed": [kind, base64 data]}. (Dataclass fields spell the
# type out: Temporal resolves their hints by name in the workflow sandbox.)
Packed = dict[str, Any]

_PLAIN_SCALARS = (str, int, float, bool, type(None))


def is_plain(value: Any, depth: int = 0) -> bool:
    """True when JSON (with LangChain messages, which our converter keeps typed) returns it unchanged."""
    if isinstance(value, _PLAIN_SCALARS):
        return True
    if depth > 64:
        return False
    if isinstance(value, BaseMessage):
        return type(value).__module__.startswith("langchain_core.")
    if type(value) is dict:
        return all(type(k) is str and is_plain(v, depth + 1) for k, v in value.items())
    if type(value) is list:
        return all(is_plain(v, depth + 1) for v in value)
    return False


def pack(value: Any) -> Packed:
    """`value` in a form Temporal's converter carries without losing its type."""
    if is_plain(value):
        return {"json": value}
    kind, data = dump_typed(value)
    return {"typed": [kind, data]}


def unpack(packed: Packed | None) -> Any:
    if not packed:
        return None
    if "typed" in packed:
        return load_typed(packed["typed"])
    return packed.get("json")


@dataclass(frozen=True)
class NodeCall:
    """One execution of a graph node (or Functional API task) in its activity.

    `graph_id` and `path` name the node: the root graph, the subgraph nodes down to it and its own
    name. The worker finds the node's callable by them (in the graph a factory built for this run,
    when the graph is a factory), never by the Python function's module and qualname.
    """

    graph_id: str
    path: list[str]
    input: dict[str, Any]
    # The task's config without its live objects: tags, metadata, run name, recursion limit, and
    # every JSON-serializable `configurable` key (the run's own ones included).
    config: dict[str, Any]
    # The task's scratchpad: superstep, resume values (packed) and the resume meant for any task.
    step: int = 0
    stop: int = 0
    resume: list[dict[str, Any]] = field(default_factory=list)
    null_resume: dict[str, Any] | None = None
    # The run's context (coerced again to the graph's `context_schema` in the activity) and, for the
    # Functional API, the entrypoint's previous return value.
    context: dict[str, Any] | None = None
    previous: dict[str, Any] | None = None
    execution_info: dict[str, Any] | None = None
    # The graph's state, for a node fed by `Send` with tool calls (a `ToolNode` reads it for
    # `InjectedState` / `ToolRuntime.state`); None for nodes that get the state as their input.
    state: dict[str, Any] | None = None
    # With `stream_subgraphs`: the stream modes a graph invoked inside the node streams in (its parts
    # reach the run's stream under the node's namespace); empty otherwise.
    stream_modes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NodeResult:
    """What the node did: its return value, the writes it made through its config, or how it stopped."""

    value: dict[str, Any] | None = None
    # Writes the node made itself (LangGraph's `CONFIG_KEY_SEND`: resume values `interrupt()`
    # consumed, ...), applied to the task in the workflow as LangGraph would.
    writes: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # The node called `interrupt()` without a resume value: the interrupts, packed.
    interrupts: dict[str, Any] | None = None
    # The node raised `ParentCommand` (a `Command(graph=Command.PARENT)` from a tool): the command.
    parent_command: dict[str, Any] | None = None
    # The node took the resume value meant for any task (so no other task takes it).
    consumed_null_resume: bool = False
