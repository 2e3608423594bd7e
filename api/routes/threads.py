"""Threads and thread state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import Ctx, ThreadId
from api.schemas.threads import Thread, ThreadCreate, ThreadSearchRequest, ThreadState
from api.services import threads as service

router = APIRouter(prefix="/threads", tags=["Threads"])


@router.post("", response_model=Thread)
async def create_thread(ctx: Ctx, request: ThreadCreate) -> dict[str, Any]:
    """Create a thread (409 if `thread_id` exists, unless `if_exists` is `do_nothing`)."""
    return await service.create_thread(ctx, request)


@router.post("/search", response_model=list[Thread])
async def search_threads(ctx: Ctx, request: ThreadSearchRequest) -> list[dict[str, Any]]:
    """Search threads by ids, metadata, values and status."""
    return await service.search_threads(ctx, request)


@router.get("/{thread_id}", response_model=Thread)
async def get_thread(ctx: Ctx, thread_id: ThreadId) -> dict[str, Any]:
    """Get a thread."""
    return await service.get_thread(ctx, str(thread_id))


@router.get("/{thread_id}/state", response_model=ThreadState)
async def get_thread_state(ctx: Ctx, thread_id: ThreadId) -> dict[str, Any]:
    """The thread's latest state: live from the running run, else from the checkpoint store."""
    return await service.get_thread_state(ctx, str(thread_id))


@router.delete("/{thread_id}", status_code=204, response_class=Response)
async def delete_thread(ctx: Ctx, thread_id: ThreadId) -> Response:
    """Delete a thread with its runs and checkpoints."""
    await service.delete_thread(ctx, str(thread_id), missing_ok=False)
    return Response(status_code=204)
