"""What a run publishes to its durable event stream, and how LangGraph stream parts become events.

Pure functions: the run workflow maps `astream` parts to `{"event", "data"}` items on the `events`
topic; nodes running in activities publish `get_stream_writer()` items to the `custom` topic through
the LangGraph plugin. Both topics share the run's offset space, and the API serves them as SSE with
the offset as the event id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from langchain_core.messages import BaseMessageChunk, message_chunk_to_message

from activities.wire import checkpoint_of_config, jsonable

EVENTS_TOPIC = "events"
CUSTOM_TOPIC = "custom"
STREAM_TOPICS = [EVENTS_TOPIC, CUSTOM_TOPIC]
# Tags on the run's config when it asked for messages: node activities see them in their config
# and stream their chat models' tokens (activities/token_stream.py) in the formats asked for.
STREAM_MESSAGES_TAG = "agent-server:stream-messages"  # `messages-tuple`: [chunk, metadata]
STREAM_PARTIAL_MESSAGES_TAG = "agent-server:stream-messages-partial"  # `messages`: metadata/partial/complete
STREAM_EVENTS_TAG = "agent-server:stream-events"  # `events`: on_chat_model_start/stream/end
STREAM_TOOLS_TAG = "agent-server:stream-tools"  # `tools` (Agent Protocol v2 runs): tool-started/finished/error
_TAG_OF_MODE = {
    "messages-tuple": STREAM_MESSAGES_TAG,
    "messages": STREAM_PARTIAL_MESSAGES_TAG,
    "events": STREAM_EVENTS_TAG,
    "tools": STREAM_TOOLS_TAG,
}
# Modes only a run started through the thread protocol may ask for (`tools` comes from the node
# activities' tool callbacks; `lifecycle` is made by the API from the run's outcome), and the
# configurable key that marks such a run, as the official server names it.
V2_ONLY_MODES = frozenset({"tools", "lifecycle"})
# A thread-protocol run's chat models stream LangChain's own protocol events (`on_stream_event`:
# message-start, content-block-start/delta/finish, message-finish), published as this mode, and
# return v1 (content-block) messages, as under the official server.
STREAM_PROTOCOL_MESSAGES_TAG = "agent-server:stream-protocol-messages"
PROTOCOL_MESSAGES_MODE = "protocol-messages"
EVENT_STREAMING_V2_KEY = "__event_streaming_v2"
# What a thread-protocol run always streams into its durable stream (`updates` too: they close a
# node's messages and subgraphs and carry its interrupts), and the modes it streams only when the
# graph's compiled stream transformers need them (LangGraph's v3 rule for a graph's channels).
PROTOCOL_BASE_MODES = ("values", "updates", "messages-tuple")
PROTOCOL_TRANSFORMER_MODES = ("custom", "tools")


def protocol_stream_modes(transformer_modes: frozenset[str]) -> list[str]:
    """The stream modes of a thread-protocol run of a graph whose transformers need `transformer_modes`."""
    return [*PROTOCOL_BASE_MODES, *(m for m in PROTOCOL_TRANSFORMER_MODES if m in transformer_modes)]
# On the run's config when it asked for `stream_subgraphs`: subgraph nodes in activities then send
# their custom items with their namespace (activities/custom_stream.py), else drop them, as LangGraph.
STREAM_SUBGRAPHS_TAG = "agent-server:stream-subgraphs"
INTERNAL_TAG_PREFIX = "agent-server:"


def public_event(event: dict[str, Any]) -> dict[str, Any]:
    """An `astream_events` event as a client sees it: without the tags this server uses to ask its
    own nodes for stream parts."""
    tags = event.get("tags")
    if not tags:
        return event
    return {**event, "tags": [t for t in tags if not str(t).startswith(INTERNAL_TAG_PREFIX)]}
OUR_TAGS = frozenset([*_TAG_OF_MODE.values(), STREAM_SUBGRAPHS_TAG, STREAM_PROTOCOL_MESSAGES_TAG])
# A `custom` topic item from a subgraph's node: {CUSTOM_NAMESPACE_KEY: [segments], "data": item}.
CUSTOM_NAMESPACE_KEY = "__agent_server_namespace__"


def wants_tokens(requested: Iterable[str]) -> bool:
    return bool({"messages-tuple", "messages"} & set(requested))


def message_tags(requested: Iterable[str], protocol_v2: bool = False) -> list[str]:
    """The tags that ask the run's node activities for what `requested` needs. A thread-protocol
    run (`protocol_v2`) takes its messages as LangChain's content-block events instead."""
    wanted = set(requested)
    tags = [tag for mode, tag in _TAG_OF_MODE.items() if mode in wanted]
    if protocol_v2 and wants_tokens(wanted):
        tags = [t for t in tags if t not in (STREAM_MESSAGES_TAG, STREAM_PARTIAL_MESSAGES_TAG)]
        tags.append(STREAM_PROTOCOL_MESSAGES_TAG)
    return tags


def stream_namespace(checkpoint_ns: str) -> tuple[str, ...]:
    """The namespace a task's stream parts carry: its checkpoint namespace without its own segment
    (`team:<id>|research:<id>` → `("team:<id>",)`; a root node's → `()`)."""
    return tuple(checkpoint_ns.split("|")[:-1]) if checkpoint_ns else ()


def namespaced_custom(namespace: tuple[str, ...], item: Any) -> dict[str, Any]:
    return {CUSTOM_NAMESPACE_KEY: list(namespace), "data": item}


def custom_event(item: Any) -> tuple[str, Any]:
    """A `custom` topic item as (SSE event name, data): `custom`, or `custom|<ns>` from a subgraph."""
    if isinstance(item, dict) and CUSTOM_NAMESPACE_KEY in item and set(item) == {CUSTOM_NAMESPACE_KEY, "data"}:
        return event_name("custom", tuple(item[CUSTOM_NAMESPACE_KEY])), item["data"]
    return "custom", item


class MessageEvents:
    """Message events in the formats a run asked for.

    `messages-tuple` sends each chunk or message with its metadata. `messages` (the older format)
    announces a message once with `messages/metadata`, then sends the message accumulated so far
    with each chunk (`messages/partial`), or whole (`messages/complete`) when it did not stream.
    """

    def __init__(self, *, tuples: bool, partials: bool, model_events: bool = False) -> None:
        self.tuples = tuples
        self.partials = partials
        # `events` mode: chat models' and tools' own events, as `astream_events` names them.
        self.model_events = model_events
        self._accumulated: dict[str, Any] = {}

    @property
    def wanted(self) -> bool:
        return self.tuples or self.partials or self.model_events

    def model_event(self, kind: str, run: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
        """An `events` item for a chat model or tool call (`run`: its run_id, name, tags, metadata)."""
        if not self.model_events:
            return []
        return [{"event": "events", "data": {"event": kind, **jsonable(run), "data": jsonable(data), "parent_ids": []}}]

    def _announce(self, message_id: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if message_id in self._accumulated:
            return []
        return [{"event": "messages/metadata", "data": {message_id: {"metadata": jsonable(metadata)}}}]

    def chunk(self, chunk: BaseMessageChunk, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        events = [{"event": "messages", "data": [jsonable(chunk), jsonable(metadata)]}] if self.tuples else []
        if self.partials and chunk.id:
            events += self._announce(chunk.id, metadata)
            so_far = self._accumulated.get(chunk.id)
            self._accumulated[chunk.id] = chunk if so_far is None else so_far + chunk
            events.append({"event": "messages/partial", "data": [jsonable(message_chunk_to_message(self._accumulated[chunk.id]))]})
        return events

    def complete(self, message: Any, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        events = [{"event": "messages", "data": [jsonable(message), jsonable(metadata)]}] if self.tuples else []
        message_id = getattr(message, "id", None) or (message.get("id") if isinstance(message, dict) else None)
        if self.partials:
            if message_id:
                events += self._announce(message_id, metadata)
                self._accumulated[message_id] = message
            events.append({"event": "messages/complete", "data": [jsonable(message)]})
        return events

# Official stream modes LangGraph's `astream` produces itself, and what each is asked as.
_ASTREAM_MODE = {
    "values": "values",
    "updates": "updates",
    "custom": "custom",
    "debug": "debug",
    "tasks": "tasks",
    "checkpoints": "checkpoints",
    # `messages-tuple` is not asked of `astream`: LangGraph's message handler does not work inside
    # the workflow sandbox, and the model tokens come from the activities (activities/token_stream.py);
    # other messages nodes return (tool results) are taken from `updates`.
    "messages-tuple": "updates",
    "messages": "updates",
}


def requested_modes(stream_mode: Any) -> list[str]:
    """The run's stream modes as a list (the API accepts a string or a list)."""
    if not stream_mode:
        return ["values"]
    return [stream_mode] if isinstance(stream_mode, str) else list(stream_mode)


def astream_modes(requested: Iterable[str]) -> list[str]:  # `events` is astream_events, not a mode
    """The `stream_mode` list for `astream`: the requested modes it supports, plus `values` (the output)."""
    return sorted({"values", *(_ASTREAM_MODE[m] for m in requested if m in _ASTREAM_MODE)})


def event_name(mode: str, namespace: tuple[str, ...] = ()) -> str:
    """`values`, or `values|parent:task|child:task` for a subgraph's part (the official naming)."""
    return "|".join((mode, *namespace)) if namespace else mode


def wire_mode(astream_mode: str, requested: Iterable[str]) -> str | None:
    """The official mode an `astream` part is published as, or None when nobody asked for it."""
    return astream_mode if astream_mode in set(requested) else None


def wire_part(mode: str, chunk: Any) -> Any:
    """An `astream` part as the official server sends it: a `debug` checkpoint also names its
    checkpoint and its parent (`checkpoint`, `parent_checkpoint`), as a thread state does."""
    if mode == "debug" and isinstance(chunk, dict) and chunk.get("type") == "checkpoint":
        payload = chunk.get("payload")
        if isinstance(payload, dict):
            payload = {
                **payload,
                "checkpoint": checkpoint_of_config(payload.get("config")),
                "parent_checkpoint": checkpoint_of_config(payload.get("parent_config")),
            }
            return {**chunk, "payload": payload}
    return chunk


def messages_from_update(update: Any) -> list[tuple[Any, dict[str, Any]]]:
    """`messages-tuple` items for the non-AI messages a superstep's nodes returned (tool results).

    AI messages are not repeated: their tokens were streamed from the activity that ran the model.
    """
    found: list[tuple[Any, dict[str, Any]]] = []
    if not isinstance(update, dict):
        return found
    for node, written in update.items():
        values = written.get("messages") if isinstance(written, dict) else None
        for message in values if isinstance(values, list) else [values] if values is not None else []:
            kind = getattr(message, "type", None) or (message.get("type") if isinstance(message, dict) else None)
            if kind not in ("ai", "AIMessageChunk"):
                found.append((message, {"langgraph_node": node}))
    return found
