"""Server-sent events of a run, read from the run's durable Temporal stream.

The run workflow publishes every requested stream mode to its `WorkflowStream`; this module
subscribes by offset and writes the official SSE wire format. Event ids are stream offsets, so a
client that reconnects with `Last-Event-ID` gets exactly the events it missed, from any API process,
during or after the run. `metadata` (id -1) opens a stream; a failed run ends it with `error`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import WorkflowFailureError
from temporalio.contrib.workflow_streams import WorkflowStreamClient
from temporalio.service import RPCError, RPCStatusCode

from activities.storage import RunRow, queries
from activities.storage.tables import ThreadStateUpdateRow
from activities.wire import jsonable
from api.context import AppContext
from api.metrics import counted_stream
from api.services.run_arrivals import next_run_or_timeout
from api.errors import InvalidRequest
from api.services.reconcile import failure_payload
from workflows.streaming import CUSTOM_TOPIC, STREAM_TOPICS, custom_event
from workflows.types import run_workflow_id

log = logging.getLogger("agent_server.api")

# How long a caught-up subscriber waits between polls (temporal-facts.md §7: 10 ms → ~20 ms p50).
POLL_COOLDOWN = timedelta(milliseconds=10)
FROM_START = "-1"


def sse(event: str, data: Any, event_id: str | int | None = None) -> bytes:
    """One event in the official wire format (`event`, `data`, then `id`)."""
    text = f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'), ensure_ascii=False)}\n"
    if event_id is not None:
        text += f"id: {event_id}\n"
    return (text + "\n").encode()


def stream_headers(thread_id: str, run_id: str, *, stateless: bool = False) -> dict[str, str]:
    """Where to rejoin the stream (`Location`, which the SDKs reconnect to) and where the run is; a
    stateless run is named without its temporary thread, as the official server names it (and
    `GET /runs/{run_id}/stream` serves that `Location`)."""
    base = f"/runs/{run_id}" if stateless else f"/threads/{thread_id}/runs/{run_id}"
    return {
        "Location": f"{base}/stream",
        "Content-Location": base,
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
    }


def parse_last_event_id(value: str | None) -> int | None:
    """The first offset to send: None for "from now on", 0 for `-1` (from the start), else id + 1."""
    if value is None or value == "":
        return None
    if value == FROM_START:
        return 0
    try:
        offset = int(value)
    except ValueError:
        raise InvalidRequest(f"Last-Event-ID must be an event id from this stream or -1, got {value!r}") from None
    if offset < -1:
        raise InvalidRequest(f"Last-Event-ID must be an event id from this stream or -1, got {value!r}")
    return offset + 1


def _event_of(item: Any) -> tuple[str, Any]:
    """A stream item as (SSE event name, data): `custom` items are what activity nodes wrote."""
    if item.topic == CUSTOM_TOPIC:
        return custom_event(item.data)
    return item.data["event"], item.data["data"]


def _wanted(event: str, modes: list[str] | None) -> bool:
    """Whether a join that asked for `modes` gets this event (`messages/partial` is `messages` mode)."""
    if not modes:
        return True
    base = event.split("|", 1)[0]
    if base == "messages":
        return "messages-tuple" in modes
    return base.split("/", 1)[0] in modes


async def _run_stream(
    ctx: AppContext, run_id: str, from_offset: int | None, with_metadata: bool
) -> AsyncIterator[tuple[int | None, str, Any]]:
    """A run's events as (offset, event, data): `metadata` (offset -1) if asked, the stream's items
    from `from_offset` (None: only new ones) until the run ends, then `error` (no offset) if it failed."""
    workflow_id = run_workflow_id(run_id)
    stream = WorkflowStreamClient.create(ctx.client, workflow_id)
    if with_metadata:
        yield -1, "metadata", {"run_id": run_id, "attempt": 1}
    if from_offset is None:
        from_offset = await _current_offset(stream)
    try:
        async for item in stream.subscribe(STREAM_TOPICS, from_offset=from_offset, poll_cooldown=POLL_COOLDOWN):
            event, data = _event_of(item)
            yield item.offset, event, jsonable(data)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        return  # the run's workflow is gone (deleted thread, expired retention): nothing more to send
    error = await _run_error(ctx, run_id)
    if error is not None:
        yield None, "error", error


async def run_events(
    ctx: AppContext,
    thread_id: str,
    run_id: str,
    *,
    from_offset: int | None,
    with_metadata: bool,
    modes: list[str] | None = None,
    cancel_on_disconnect: bool = False,
) -> AsyncIterator[bytes]:
    """The run's events as SSE, ids = stream offsets, until the run ends."""
    finished = False
    try:
        async for offset, event, data in _run_stream(ctx, run_id, from_offset, with_metadata):
            if event in ("metadata", "error") or _wanted(event, modes):
                yield sse(event, data, offset)
        finished = True
    finally:
        if not finished and cancel_on_disconnect:
            # The client went away and asked for the run to stop with it.
            log.info("stream of run %s disconnected: cancelling the run", run_id)
            await asyncio.shield(_cancel_quietly(ctx, run_workflow_id(run_id)))


async def _current_offset(stream: WorkflowStreamClient) -> int:
    try:
        return await stream.get_offset()
    except Exception:  # a run that has not published yet, or a closed one: start from its end
        return 0


async def _run_error(ctx: AppContext, run_id: str) -> dict[str, Any] | None:
    """`{"error", "message"}` if the run failed (a cancelled run ends its stream quietly)."""
    try:
        await ctx.client.get_workflow_handle(run_workflow_id(run_id)).result()
    except WorkflowFailureError as exc:
        return failure_payload(exc, run_id)
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    return None


async def _cancel_quietly(ctx: AppContext, workflow_id: str) -> None:
    try:
        await ctx.client.get_workflow_handle(workflow_id).cancel()
    except RPCError as exc:
        log.info("could not cancel %s after a disconnect: %s", workflow_id, exc)


async def with_heartbeats(events: AsyncIterator[bytes], every: float) -> AsyncIterator[bytes]:
    """Pass `events` through, adding an SSE comment whenever nothing was sent for `every` seconds."""
    iterator = events.__aiter__()
    pending: asyncio.Future[bytes] = asyncio.ensure_future(iterator.__anext__())
    try:
        with counted_stream():  # every SSE stream passes here: `agent_server_active_streams`
            while True:
                done, _ = await asyncio.wait({pending}, timeout=every)
                if not done:
                    yield b": heartbeat\n\n"
                    continue
                try:
                    chunk = pending.result()
                except StopAsyncIteration:
                    return
                yield chunk
                pending = asyncio.ensure_future(iterator.__anext__())
    finally:
        if not pending.done():
            pending.cancel()
            try:
                await pending
            except (asyncio.CancelledError, StopAsyncIteration):
                pass
        await iterator.aclose()  # type: ignore[attr-defined]


# --- the thread's stream: every run on it, one after the other, and the state updates between them

THREAD_FROM_START = "-"
# How often an idle thread stream looks for the thread's next run or state update (indexed queries).
NEXT_RUN_POLL_SECS = 0.25
THREAD_STREAM_MODES = ("run_modes", "lifecycle", "state_update")
# Event-id suffixes after which the item (run or state update) is over: resume with the next one.
_END_SUFFIXES = ("error", "done", "state")


def parse_thread_event_id(value: str | None) -> tuple[str, int | None] | None:
    """`None`: from now on; `("", None)`: from the start (`-`); `(key, offset)`: continue run `key` at
    `offset`; `(key, None)`: continue after item `key` (a run that ended, a state update)."""
    if value is None or value == "":
        return None
    if value == THREAD_FROM_START:
        return ("", None)
    key, sep, suffix = value.rpartition(":")
    try:
        if not sep or not key:
            raise ValueError(value)
        return (key, None) if suffix in _END_SUFFIXES else (key, int(suffix) + 1)
    except ValueError:
        raise InvalidRequest(
            f"Last-Event-ID of a thread stream must be an event id from this stream ('<run_id>:<offset>') "
            f"or '-', got {value!r}"
        ) from None


async def check_thread_resume(ctx: AppContext, thread_id: str, last_event_id: str | None) -> None:
    """A `Last-Event-ID` that resumes inside a run (`<run_id>:<offset>`) must name one of this
    thread's runs (else the stream would send a run of another thread, one the caller may not
    read): a 422 before the stream opens. (An id that only orders, `<id>:done`, reads this thread.)"""
    resume = parse_thread_event_id(last_event_id)
    if resume is None or resume[1] is None:
        return
    async with ctx.db.session() as session:
        run = await queries.get_run(session, thread_id, resume[0])
    if run is None:
        raise InvalidRequest(f"Last-Event-ID {last_event_id!r} names no run of thread {thread_id}")


async def thread_events(
    ctx: AppContext, thread_id: str, last_event_id: str | None, modes: Sequence[str] = ("run_modes",)
) -> AsyncIterator[bytes]:
    """The thread's runs and state updates in order, as the official thread stream: `run_modes` sends
    each run's events and a `metadata` `run_done` after it, `lifecycle` only the runs' start and done
    `metadata`, `state_update` the states written through the API. Stays open for later items."""
    resume = parse_thread_event_id(last_event_id)
    after = ""  # items created after this id (runs and state updates share uuid7 ordering) come next
    first: tuple[str, int | None] | None = None  # (run, offset) to continue first
    if resume is None:
        async with ctx.db.session() as session:
            active = await queries.active_run(session, thread_id)
            if active is None:
                latest_runs = await queries.list_runs(session, thread_id, limit=1, offset=0, status=None)
                latest_update = await queries.latest_state_update_id(session, thread_id)
                after = max(latest_runs[0].run_id if latest_runs else "", latest_update)
        if active is not None:
            first = (active.run_id, None)  # its new events only
    elif resume[1] is not None:
        first = (resume[0], resume[1])
    else:
        after = resume[0]
    while True:
        with_metadata = first is None  # a run taken up from its start opens with its `metadata`
        if first is not None:
            run_id, offset = first
            first = None
        else:
            item = await _next_thread_item(ctx, thread_id, after)
            if item is None:
                await next_run_or_timeout(thread_id, NEXT_RUN_POLL_SECS)
                continue
            if isinstance(item, ThreadStateUpdateRow):
                if "state_update" in modes:
                    yield sse("state_update", item.data, f"{item.update_id}:state")
                after = item.update_id
                continue
            run_id, offset = item.run_id, 0
        async for chunk in _thread_run_events(ctx, run_id, offset, modes, with_metadata):
            yield chunk
        if "run_modes" in modes or "lifecycle" in modes:
            yield sse("metadata", {"status": "run_done", "run_id": run_id}, f"{run_id}:done")
        after = run_id


async def _next_thread_item(ctx: AppContext, thread_id: str, after: str) -> RunRow | ThreadStateUpdateRow | None:
    async with ctx.db.session() as session:
        run = await queries.next_run(session, thread_id, after)
        update = await queries.next_state_update(session, thread_id, after)
    if run is None or (update is not None and update.update_id < run.run_id):
        return update
    return run


async def _thread_run_events(
    ctx: AppContext, run_id: str, offset: int | None, modes: Sequence[str], with_metadata: bool
) -> AsyncIterator[bytes]:
    """One run's events inside a thread stream: the run's ids prefixed with its run id."""
    all_events = "run_modes" in modes
    if not all_events and "lifecycle" not in modes:
        return
    async for item_offset, event, data in _run_stream(ctx, run_id, offset, with_metadata=with_metadata):
        if all_events or event == "metadata":
            yield sse(event, data, f"{run_id}:{'error' if item_offset is None else item_offset}")
