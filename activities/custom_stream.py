"""`get_stream_writer()` inside a node activity: items reach the run's stream as LangGraph sends them.

Items go to the run workflow's `custom` topic by signal, in batches (`STREAM_BATCH_MS`); the client
that sends them is only made when a node writes its first item, so nodes that write nothing cost
nothing. In LangGraph, a subgraph node's items arrive as `custom|<parent>:<task>` when the run
streams subgraphs and not at all otherwise: here such items are wrapped with their namespace, or
dropped when the run did not ask for subgraphs (`STREAM_SUBGRAPHS_TAG`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from temporalio.contrib.workflow_streams import WorkflowStreamClient

from activities.wire import jsonable
from workflows.streaming import (
    CUSTOM_TOPIC,
    EVENTS_TOPIC,
    STREAM_SUBGRAPHS_TAG,
    event_name,
    namespaced_custom,
    stream_namespace,
)

_MANUAL = timedelta(hours=1)
# The run stream client of the node's activity when the token-stream interceptor opened one
# (activities/token_stream.py): the node's custom items then go out through it, in order with the
# model's and tools' events, instead of through a client of their own flushed at other times.
shared_stream: ContextVar[WorkflowStreamClient | None] = ContextVar("agent_server_shared_stream", default=None)


class ActivityStreamWriter:
    """A stream writer for one node activity; `close()` sends what is still buffered.

    `stream_part` also carries the stream parts of a graph the node invokes itself (a sub-agent in
    a tool): LangGraph hands them to the node's `CONFIG_KEY_STREAM` with their namespace, and they go
    to the run's `events` topic as `mode|namespace` events, as the workflow publishes its own.
    """

    def __init__(self, batch_interval: timedelta, checkpoint_ns: str, tags: list[str]) -> None:
        self._interval = batch_interval.total_seconds()
        self._loop = asyncio.get_running_loop()
        # A shared client is the interceptor's to flush and close; an own one is made on first use,
        # with the flusher that marks it ours.
        self._client: WorkflowStreamClient | None = shared_stream.get()
        self._flusher: asyncio.Task[None] | None = None
        namespace = stream_namespace(checkpoint_ns)
        self._namespace = namespace
        self._dropped = bool(namespace) and STREAM_SUBGRAPHS_TAG not in tags

    def __call__(self, item: Any) -> None:
        if self._dropped:
            return
        value = namespaced_custom(self._namespace, item) if self._namespace else item
        self._on_loop(self._publish, value)

    def stream_part(self, part: tuple[tuple[str, ...], str, Any]) -> None:
        """A part of a graph invoked inside the node: `(namespace, mode, chunk)`."""
        namespace, mode, chunk = part
        event = {"event": event_name(mode, tuple(namespace)), "data": jsonable(chunk)}
        self._on_loop(self._publish, event, EVENTS_TOPIC)

    def _on_loop(self, publish: Callable[..., None], *args: Any) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            publish(*args)
        else:  # a sync node runs in a thread: publish from the activity's loop
            self._loop.call_soon_threadsafe(publish, *args)

    def _publish(self, value: Any, topic: str = CUSTOM_TOPIC) -> None:
        if self._client is None:
            self._client = WorkflowStreamClient.from_within_activity(batch_interval=_MANUAL)
            self._flusher = asyncio.create_task(self._flush_every_interval())
        self._client.topic(topic).publish(value)

    async def _flush_every_interval(self) -> None:
        assert self._client is not None
        while True:
            await asyncio.sleep(self._interval)
            await self._client.flush()

    async def close(self) -> None:
        if self._flusher is not None:  # the client is this writer's own: flush what is left, close it
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
            assert self._client is not None
            await self._client.__aexit__(None, None, None)


def noop_writer(_item: Any) -> None:
    return None


StreamWriter = Callable[[Any], None]
