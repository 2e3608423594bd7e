"""Token streaming from chat models that run inside node activities.

LangGraph's `messages` stream mode listens to LangChain callbacks in the process that runs the
graph; with nodes in activities that is the worker's activity, not the workflow (temporal-facts.md
§7), so the mode yields nothing. Here, when a run asked for `messages-tuple`, the worker registers a
streaming callback handler for the node's activity: chat models called in the node then stream, and
each token chunk is published to the run's workflow stream as an `events` item, the way the workflow
publishes its own modes. Runs that did not ask pay nothing: no handler, so models do not stream.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.callbacks import AsyncCallbackHandler
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.tracers.context import register_configure_hook
from langchain_core.tracers._streaming import _V2StreamingCallbackHandler
from langgraph.constants import TAG_NOSTREAM
from langgraph.pregel._tools import StreamToolCallHandler
from temporalio import activity
from temporalio.contrib.workflow_streams import WorkflowStreamClient
from temporalio.worker import ActivityInboundInterceptor, ExecuteActivityInput, Interceptor

from activities.custom_stream import shared_stream
from activities.wire import jsonable
from workflows.streaming import (
    EVENTS_TOPIC,
    OUR_TAGS,
    STREAM_EVENTS_TAG,
    STREAM_MESSAGES_TAG,
    STREAM_PARTIAL_MESSAGES_TAG,
    STREAM_SUBGRAPHS_TAG,
    PROTOCOL_MESSAGES_MODE,
    STREAM_PROTOCOL_MESSAGES_TAG,
    STREAM_TOOLS_TAG,
    MessageEvents,
    event_name,
    stream_namespace,
)

T = TypeVar("T")
_MANUAL = timedelta(hours=1)

_handler: ContextVar[Any | None] = ContextVar("agent_server_token_stream", default=None)
# LangGraph's own `tools` mode handler (tool-started/finished/error), for Agent Protocol v2 runs.
_tool_handler: ContextVar[Any | None] = ContextVar("agent_server_tool_stream", default=None)
# Every callback manager configured while one is set gets that handler (LangChain's hook).
register_configure_hook(_handler, inheritable=True)
register_configure_hook(_tool_handler, inheritable=True)


class TokenStreamHandler(AsyncCallbackHandler):
    """Publishes chat model token chunks as official `messages` (messages-tuple) events, and in
    `events` mode the chat models' and tools' start/stream/end events.

    Also a `_StreamingCallbackHandler` (by its two tap methods), which is what makes LangChain chat
    models stream instead of generating in one piece.
    """

    def __init__(self, publish: Callable[[Any], None], events: MessageEvents, subgraphs: bool = False) -> None:
        self._publish = publish
        self._events = events
        self._subgraphs = subgraphs
        self._metadata: dict[UUID, dict[str, Any]] = {}
        self._runs: dict[UUID, dict[str, Any]] = {}
        # Chat model calls that streamed at least one token (the others are sent whole at their end).
        self._streamed: set[UUID] = set()

    def _remember(
        self, run_id: UUID, name: str, tags: list[str] | None, metadata: dict[str, Any] | None
    ) -> dict[str, Any]:
        """What `events` items say about a model or tool call (our own routing tags left out)."""
        run = {
            "run_id": str(run_id),
            "name": name,
            "tags": [t for t in tags or [] if t not in OUR_TAGS],
            "metadata": metadata or {},
        }
        self._runs[run_id] = run
        return run

    def _send(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            self._publish(event)

    def _send_messages(self, events: list[dict[str, Any]], metadata: dict[str, Any]) -> None:
        """Message events of a model call, named as LangGraph names them: a model inside a graph the
        node invoked (a sub-agent) gives `messages|<namespace>` with `stream_subgraphs`, nothing
        without it."""
        namespace = stream_namespace(str(metadata.get("langgraph_checkpoint_ns") or metadata.get("checkpoint_ns") or ""))
        if namespace and not self._subgraphs:
            return
        for event in events:
            self._publish({**event, "event": event_name(event["event"], namespace)} if namespace else event)

    def tap_output_aiter(self, run_id: UUID, output: AsyncIterator[T]) -> AsyncIterator[T]:
        return output

    def tap_output_iter(self, run_id: UUID, output: Iterator[T]) -> Iterator[T]:
        return output

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run = self._remember(run_id, kwargs.get("name") or (serialized or {}).get("name") or "chat_model", tags, metadata)
        self._metadata[run_id] = {**(metadata or {}), "tags": run["tags"]}
        self._send(self._events.model_event("on_chat_model_start", run, {"input": {"messages": messages}}))

    async def on_llm_new_token(self, token: str, *, chunk: Any = None, run_id: UUID, **kwargs: Any) -> None:
        message = getattr(chunk, "message", None)
        if not isinstance(message, AIMessageChunk):
            message = AIMessageChunk(content=token)
        if message.id is None:
            message = message.model_copy(update={"id": f"run-{run_id}"})
        self._streamed.add(run_id)
        metadata = self._metadata.get(run_id, {})
        self._send_messages(self._events.chunk(message, metadata), metadata)
        if run_id in self._runs:
            self._send(self._events.model_event("on_chat_model_stream", self._runs[run_id], {"chunk": message}))

    async def on_tool_start(
        self,
        serialized: dict[str, Any],
        input_str: str,
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        inputs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        run = self._remember(run_id, kwargs.get("name") or (serialized or {}).get("name") or "tool", tags, metadata)
        self._send(self._events.model_event("on_tool_start", run, {"input": inputs or input_str}))

    async def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self._runs.pop(run_id, None)
        if run is not None:
            self._send(self._events.model_event("on_tool_end", run, {"output": output}))

    async def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        metadata = self._metadata.pop(run_id, None)
        generations = getattr(response, "generations", None) or [[]]
        output = getattr(generations[0][0], "message", None) if generations[0] else None
        if run_id not in self._streamed and metadata is not None and isinstance(output, BaseMessage):
            # A model that does not stream: its message goes out whole, as LangGraph's handler sends it.
            self._send_messages(self._events.complete(output, metadata), metadata)
        self._streamed.discard(run_id)
        run = self._runs.pop(run_id, None)
        if run is not None:
            self._send(self._events.model_event("on_chat_model_end", run, {"output": output}))


class ProtocolMessagesHandler(AsyncCallbackHandler, _V2StreamingCallbackHandler):
    """A thread-protocol run's chat models: LangChain's own protocol events (`on_stream_event`,
    the `messages` channel's message-start / content-block-* / message-finish), published as
    `protocol-messages` items. Being a `_V2StreamingCallbackHandler` also makes the model return a
    v1 (content-block) message, as the official server's runs do. A model that does not stream
    sends no message events (as on the official server: its message reaches clients in `values`)."""

    def __init__(self, publish: Callable[[Any], None], subgraphs: bool) -> None:
        self._publish = publish
        self._subgraphs = subgraphs
        self._namespaces: dict[UUID, tuple[str, ...]] = {}

    async def on_chat_model_start(
        self,
        serialized: dict[str, Any],
        messages: list[list[BaseMessage]],
        *,
        run_id: UUID,
        tags: list[str] | None = None,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if TAG_NOSTREAM in (tags or []):
            return
        namespace = stream_namespace(str((metadata or {}).get("langgraph_checkpoint_ns") or ""))
        if namespace and not self._subgraphs:
            return
        self._namespaces[run_id] = namespace

    async def on_stream_event(self, event: Any, *, run_id: UUID, **kwargs: Any) -> None:
        namespace = self._namespaces.get(run_id)
        if namespace is None:
            return
        self._publish({"event": event_name(PROTOCOL_MESSAGES_MODE, namespace), "data": jsonable(event)})

    async def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._namespaces.pop(run_id, None)

    async def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._namespaces.pop(run_id, None)


def _tags(input: ExecuteActivityInput) -> set[str]:
    node_input = input.args[0] if input.args else None
    # A node activity's input (a `NodeCall`) carries the node's serializable config, tags included.
    config = getattr(node_input, "config", None)
    return set((config.get("tags") or []) if isinstance(config, dict) else [])


def _message_events(tags: set[str]) -> MessageEvents | None:
    """The message formats the node activity's run asked for (its `tags`), or None if it asked for none."""
    events = MessageEvents(
        tuples=STREAM_MESSAGES_TAG in tags,
        partials=STREAM_PARTIAL_MESSAGES_TAG in tags,
        model_events=STREAM_EVENTS_TAG in tags,
    )
    return events if events.wanted else None


def _tool_parts(publish: Callable[[Any], None]) -> Callable[[tuple[tuple[str, ...], str, Any]], None]:
    """LangGraph's `(namespace, "tools", payload)` stream parts as `tools` / `tools|<ns>` events."""

    def put(part: tuple[tuple[str, ...], str, Any]) -> None:
        namespace, mode, payload = part
        publish({"event": event_name(mode, tuple(namespace)), "data": jsonable(payload)})

    return put


def flush_interval(elapsed_seconds: float, base: timedelta) -> float:
    """Seconds between flushes of a node's token stream: `base` for the first 20 s, 4 × base up to
    2 minutes, then at least 1 s. Each flush is a signal plus a subscriber poll in the run's history
    (~3.5 events), so widening batches keeps a long generation's history bounded (~210 events a
    minute after two minutes, instead of ~4 000 at 50 ms) at the cost of chunkier late tokens."""
    seconds = base.total_seconds()
    if elapsed_seconds < 20:
        return seconds
    if elapsed_seconds < 120:
        return 4 * seconds
    return max(seconds, 1.0)


async def _flush_widening(stream: WorkflowStreamClient, base: timedelta) -> None:
    started = time.monotonic()
    while True:
        await asyncio.sleep(flush_interval(time.monotonic() - started, base))
        await stream.flush()


class _TokenStreamingActivity(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, batch_interval: timedelta) -> None:
        super().__init__(next)
        self._batch_interval = batch_interval

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        if activity.info().is_local:
            return await self.next.execute_activity(input)
        tags = _tags(input)
        events, tools, protocol = _message_events(tags), STREAM_TOOLS_TAG in tags, STREAM_PROTOCOL_MESSAGES_TAG in tags
        if events is None and not tools and not protocol:
            return await self.next.execute_activity(input)
        # The client's own timer is set out of the way; `_flush_widening` paces the flushes.
        async with WorkflowStreamClient.from_within_activity(batch_interval=_MANUAL) as stream:
            topic = stream.topic(EVENTS_TOPIC)
            flusher = asyncio.create_task(_flush_widening(stream, self._batch_interval))
            subgraphs = STREAM_SUBGRAPHS_TAG in tags
            handler: Any = (
                ProtocolMessagesHandler(topic.publish, subgraphs) if protocol
                else TokenStreamHandler(topic.publish, events, subgraphs) if events
                else None
            )
            token = _handler.set(handler) if handler is not None else None
            shared = shared_stream.set(stream)
            tool_token = _tool_handler.set(StreamToolCallHandler(_tool_parts(topic.publish), subgraphs)) if tools else None
            try:
                return await self.next.execute_activity(input)
            finally:
                shared_stream.reset(shared)
                if token is not None:
                    _handler.reset(token)
                if tool_token is not None:
                    _tool_handler.reset(tool_token)
                flusher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await flusher


class TokenStreamInterceptor(Interceptor):
    """Worker interceptor that streams chat model tokens of node activities to their run's stream."""

    def __init__(self, batch_interval: timedelta) -> None:
        self._batch_interval = batch_interval

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _TokenStreamingActivity(next, self._batch_interval)
