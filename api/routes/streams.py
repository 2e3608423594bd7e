"""Streaming runs over server-sent events: create-and-stream, stateless stream, join a run's stream."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from api.deps import Ctx, RunId, ThreadId
from api.errors import InvalidRequest
from api.schemas.runs import RunCreateStateful, RunCreateStateless
from api.services import runs as run_service
from api.services import streams as service
from api.services.threads import authorized_thread

router = APIRouter()

_SSE = {200: {"content": {"text/event-stream": {}}, "description": "The run's events as server-sent events."}}


def _response(
    ctx: Ctx, run: dict[str, Any], *, from_offset: int | None, with_metadata: bool, stateless: bool = False, **options: Any
) -> StreamingResponse:
    events = service.run_events(
        ctx, run["thread_id"], run["run_id"], from_offset=from_offset, with_metadata=with_metadata, **options
    )
    return StreamingResponse(
        service.with_heartbeats(events, ctx.settings.stream_heartbeat_secs),
        media_type="text/event-stream",
        headers=service.stream_headers(run["thread_id"], run["run_id"], stateless=stateless),
    )


@router.post("/threads/{thread_id}/runs/stream", tags=["Thread Runs"], response_class=StreamingResponse, responses=_SSE)
async def stream_run(ctx: Ctx, thread_id: ThreadId, payload: RunCreateStateful) -> StreamingResponse:
    """Start a run on a thread and stream its events until it ends."""
    run = await run_service.create_run(ctx, str(thread_id), payload)
    return _response(
        ctx, run, from_offset=0, with_metadata=True, modes=payload.stream_modes,
        cancel_on_disconnect=payload.on_disconnect == "cancel",
    )


@router.post("/runs/stream", tags=["Stateless Runs"], response_class=StreamingResponse, responses=_SSE)
async def stream_stateless_run(ctx: Ctx, payload: RunCreateStateless) -> StreamingResponse:
    """Start a run on a temporary thread and stream its events until it ends."""
    run = await run_service.create_stateless_run(ctx, payload)
    return _response(
        ctx, run, from_offset=0, with_metadata=True, stateless=True, modes=payload.stream_modes,
        cancel_on_disconnect=payload.on_disconnect == "cancel",
    )


def _given(modes: list[str] | None) -> list[str] | None:
    """The stream modes a query string really names: the SDK sends `stream_mode=` (empty) when the caller
    gave none, which means "as the run was created", not "no modes"."""
    named = [mode for mode in modes or [] if mode]
    return named or None


@router.get(
    "/threads/{thread_id}/runs/{run_id}/stream", tags=["Thread Runs"], response_class=StreamingResponse, responses=_SSE
)
async def join_run_stream(
    ctx: Ctx,
    thread_id: ThreadId,
    run_id: RunId,
    cancel_on_disconnect: bool = False,
    stream_mode: list[str] | None = Query(default=None),
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
) -> StreamingResponse:
    """Join a run's stream: `Last-Event-ID` resumes after that event (`-1`: from the start), else new events only."""
    run = await run_service.get_run(ctx, str(thread_id), str(run_id))
    return _join(ctx, run, stream_mode, last_event_id, cancel_on_disconnect)


def _join(
    ctx: Ctx, run: dict[str, Any], stream_mode: list[str] | None, last_event_id: str | None,
    cancel_on_disconnect: bool, *, stateless: bool = False,
) -> StreamingResponse:
    from_offset = service.parse_last_event_id(last_event_id)
    return _response(
        ctx,
        run,
        from_offset=from_offset,
        # Replayed from the start, or joined before the run began, a join opens with the run's
        # `metadata` event; one that joins a live run takes only what comes next (as the official
        # server's join does).
        with_metadata=from_offset == 0 or (last_event_id is None and run["status"] == "pending"),
        stateless=stateless,
        # What the join asks for, else what the run was created with (`custom` items only if asked).
        modes=_given(stream_mode) or run["kwargs"].get("stream_mode"),
        cancel_on_disconnect=cancel_on_disconnect,
    )


@router.get("/runs/{run_id}/stream", tags=["Stateless Runs"], response_class=StreamingResponse, responses=_SSE)
async def join_stateless_run_stream(
    ctx: Ctx,
    run_id: RunId,
    cancel_on_disconnect: bool = False,
    stream_mode: list[str] | None = Query(default=None),
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
) -> StreamingResponse:
    """Join a stateless run's stream (the `Location` its stream answered with), while its run lives."""
    run = await run_service.get_run_by_id(ctx, str(run_id))
    return _join(ctx, run, stream_mode, last_event_id, cancel_on_disconnect, stateless=True)


@router.get("/threads/{thread_id}/stream", tags=["Threads"], response_class=StreamingResponse, responses=_SSE)
async def join_thread_stream(
    ctx: Ctx,
    thread_id: ThreadId,
    stream_modes: list[str] | None = Query(default=None),
    # The Python SDK's `threads.join_stream` sends the modes under this name.
    stream_mode: list[str] | None = Query(default=None),
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
) -> StreamingResponse:
    """The thread's runs, one after the other, and its state updates; stays open for later ones.

    `stream_modes`: `run_modes` (default: each run's events, then `metadata` `run_done`), `lifecycle`
    (only the runs' start and `run_done` metadata), `state_update` (states written through the API).
    Ids are `<run_id>:<offset>` (`:done`, `:error`; `<update_id>:state`): `Last-Event-ID` resumes after
    one, `-` starts from the thread's first run, none streams new events only.
    """
    # Repeated, or comma-separated as the official server reads them.
    named = [part.strip() for value in (stream_modes or []) + (stream_mode or []) for part in value.split(",")]
    modes = _given(named) or ["run_modes"]
    unknown = sorted(set(modes) - set(service.THREAD_STREAM_MODES))
    if unknown:
        raise InvalidRequest(
            f"unknown thread stream modes {unknown}: use any of {', '.join(service.THREAD_STREAM_MODES)}"
        )
    await authorized_thread(ctx, str(thread_id))
    await service.check_thread_resume(ctx, str(thread_id), last_event_id)  # a 422 before the stream opens
    return StreamingResponse(
        service.with_heartbeats(service.thread_events(ctx, str(thread_id), last_event_id, modes), ctx.settings.stream_heartbeat_secs),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
