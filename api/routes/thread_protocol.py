"""Agent Protocol v2 on a thread: commands in, events out over server-sent events."""

from __future__ import annotations

import json
from typing import Any

from uuid import UUID

from fastapi import APIRouter, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import Ctx, ThreadId
from api.metrics import counted_stream
from api.services import streams
from api.services.event_stream import EventFilter, thread_v2_events
from api.services.thread_commands import NOT_A_COMMAND, error_envelope, execute, is_command
from api.services.thread_socket import SocketSession
from api.services.threads import thread_filter

router = APIRouter(tags=["Threads"])

# The official server sends an SSE comment this often on a quiet protocol stream.
HEARTBEAT_SECS = 5.0


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"null")
    except ValueError:
        return _NOT_JSON


_NOT_JSON = object()


@router.post("/threads/{thread_id}/commands")
async def thread_command(ctx: Ctx, thread_id: ThreadId, request: Request) -> JSONResponse:
    """One command (`{"id", "method", "params"}`); the answer is its success or error envelope."""
    body = await _json_body(request)
    if body is _NOT_JSON:
        return JSONResponse({"detail": "Invalid JSON in request body"}, status_code=400)
    if not is_command(body):
        # The protocol's envelope, plus the `detail` every error answer of this server carries.
        envelope = error_envelope(None, "invalid_argument", NOT_A_COMMAND)
        return JSONResponse({**envelope, "detail": NOT_A_COMMAND}, status_code=400)
    return JSONResponse(await execute(ctx, str(thread_id), body))


@router.post("/threads/{thread_id}/stream/events", response_class=StreamingResponse)
async def thread_event_stream(ctx: Ctx, thread_id: ThreadId, request: Request) -> StreamingResponse:
    """The thread's events from its first run on (`since` skips what the client has), filtered by
    the body's channels, namespaces and depth; open for the thread's later runs."""
    body = await _json_body(request)
    wanted = EventFilter.parse(None if body is _NOT_JSON else body)
    allowed = await thread_filter(ctx, str(thread_id), "read")
    events = thread_v2_events(ctx, str(thread_id), wanted, allowed)
    return StreamingResponse(
        streams.with_heartbeats(events, HEARTBEAT_SECS),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.websocket("/threads/{thread_id}/stream/events")
async def thread_event_socket(websocket: WebSocket, thread_id: str) -> None:
    """The same events over a WebSocket: `subscription.subscribe` / `reconnect` / `unsubscribe`
    choose what is sent (each event once, however many subscriptions match); `run.start` and
    `input.respond` work here too. Frames are plain JSON."""
    ctx = websocket.app.state.context
    try:
        thread_id = str(UUID(thread_id))
    except ValueError:
        await websocket.close(code=4422, reason="the thread id must be a UUID")
        return
    allowed = await thread_filter(ctx, thread_id, "read")
    await websocket.accept()
    session = SocketSession(ctx, thread_id, websocket, allowed)
    try:
        with counted_stream():
            await session.serve()
    except WebSocketDisconnect:
        pass
    finally:
        await session.close()
