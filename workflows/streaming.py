"""What a run publishes to its durable event stream, and how LangGraph stream parts become events.

Pure functions: the run workflow maps `astream` parts to `{"event", "data"}` items on the `events`
topic; nodes running in activities publish `get_stream_writer()` items to the `custom` topic through
the LangGraph plugin. Both topics share the run's offset space, and the API serves them as SSE with
the offset as the event id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

EVENTS_TOPIC = "events"
CUSTOM_TOPIC = "custom"
STREAM_TOPICS = [EVENTS_TOPIC, CUSTOM_TOPIC]

# Official stream modes LangGraph's `astream` produces itself, and what each is asked as.
_ASTREAM_MODE = {
    "values": "values",
    "updates": "updates",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    "messages-tuple": "messages",
}


def requested_modes(stream_mode: Any) -> list[str]:
    """The run's stream modes as a list (the API accepts a string or a list)."""
    if not stream_mode:
        return ["values"]
    return [stream_mode] if isinstance(stream_mode, str) else list(stream_mode)


def astream_modes(requested: Iterable[str]) -> list[str]:
    """The `stream_mode` list for `astream`: the requested modes it supports, plus `values` (the output)."""
    return sorted({"values", *(_ASTREAM_MODE[m] for m in requested if m in _ASTREAM_MODE)})


def event_name(mode: str, namespace: tuple[str, ...] = ()) -> str:
    """`values`, or `values|parent:task|child:task` for a subgraph's part (the official naming)."""
    return "|".join((mode, *namespace)) if namespace else mode


def wire_mode(astream_mode: str, requested: Iterable[str]) -> str | None:
    """The official mode an `astream` part is published as, or None when nobody asked for it."""
    wanted = set(requested)
    if astream_mode == "messages":
        return "messages" if "messages-tuple" in wanted else None
    return astream_mode if astream_mode in wanted else None
