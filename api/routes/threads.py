"""Threads, thread state and history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Response

from api.deps import Ctx, ThreadId
from api.schemas.threads import (
    Thread,
    ThreadCountRequest,
    ThreadCreate,
    ThreadPatch,
    ThreadPruneRequest,
    ThreadSearchRequest,
    ThreadState,
    ThreadStateCheckpointRequest,
    ThreadStateSearch,
    ThreadStateUpdate,
)
from api.services import threads as service
from api.services.pagination import set_page_headers

router = APIRouter(prefix="/threads", tags=["Threads"])


@router.post("", response_model=Thread, response_model_exclude_unset=True)
async def create_thread(ctx: Ctx, request: ThreadCreate) -> dict[str, Any]:
    """Create a thread (409 if `thread_id` exists, unless `if_exists` is `do_nothing`); `supersteps` seed its state."""
    return await service.create_thread(ctx, request)


@router.post("/search", responses={200: {"model": list[Thread]}})
async def search_threads(ctx: Ctx, request: ThreadSearchRequest, response: Response) -> list[dict[str, Any]]:
    """Search threads by ids, metadata, values and status; `X-Pagination-Next` gives the next offset."""
    found, page = await service.search_threads(ctx, request)
    set_page_headers(response, page)
    return found


@router.post("/count", response_model=int)
async def count_threads(ctx: Ctx, request: ThreadCountRequest) -> int:
    """Count the threads matching metadata, values and status."""
    return await service.count_threads(ctx, request)


@router.post("/prune")
async def prune_threads(ctx: Ctx, request: ThreadPruneRequest) -> dict[str, int]:
    """Delete threads, or keep only their latest checkpoint (`strategy=keep_latest`)."""
    return await service.prune_threads(ctx, request)


@router.get("/{thread_id}", response_model=Thread, response_model_exclude_unset=True)
async def get_thread(ctx: Ctx, thread_id: ThreadId, include: str | None = None) -> dict[str, Any]:
    """Get a thread."""
    return await service.get_thread(ctx, str(thread_id))


@router.patch("/{thread_id}", response_model=Thread, response_model_exclude_unset=True)
async def update_thread(ctx: Ctx, thread_id: ThreadId, patch: ThreadPatch) -> dict[str, Any]:
    """Merge metadata into a thread, or set its TTL."""
    return await service.update_thread(ctx, str(thread_id), patch)


@router.delete("/{thread_id}", status_code=204, response_class=Response)
async def delete_thread(ctx: Ctx, thread_id: ThreadId) -> Response:
    """Delete a thread: its active runs are stopped, then its runs and checkpoints are deleted."""
    await service.delete_thread(ctx, str(thread_id), missing_ok=False)
    return Response(status_code=204)


@router.post("/{thread_id}/copy", response_model=Thread, response_model_exclude_unset=True)
async def copy_thread(ctx: Ctx, thread_id: ThreadId) -> dict[str, Any]:
    """A new thread with this thread's metadata and checkpoint history."""
    return await service.copy_thread(ctx, str(thread_id))


@router.get("/{thread_id}/storage")
async def get_thread_storage(ctx: Ctx, thread_id: ThreadId) -> dict[str, Any]:
    """How many bytes the thread's checkpoints, channel values and pending writes take."""
    return await service.thread_storage(ctx, str(thread_id))


@router.get("/{thread_id}/state", response_model=ThreadState, response_model_exclude_unset=True)
async def get_thread_state(ctx: Ctx, thread_id: ThreadId, subgraphs: bool = False) -> dict[str, Any]:
    """The thread's latest state: live from the running run, else from the checkpoint store."""
    return await service.get_thread_state(ctx, str(thread_id), subgraphs=subgraphs)


@router.post("/{thread_id}/state")
async def update_thread_state(ctx: Ctx, thread_id: ThreadId, update: ThreadStateUpdate) -> dict[str, Any]:
    """Add a checkpoint as if `as_node` had returned `values` (409 while a run is active)."""
    return await service.update_thread_state(ctx, str(thread_id), update)


@router.get("/{thread_id}/state/{checkpoint_id}", response_model=ThreadState, response_model_exclude_unset=True)
async def get_thread_state_at(
    ctx: Ctx, thread_id: ThreadId, checkpoint_id: str, subgraphs: bool = False
) -> dict[str, Any]:
    """The thread's state at a checkpoint."""
    return await service.get_thread_state(ctx, str(thread_id), subgraphs=subgraphs, checkpoint_id=checkpoint_id)


@router.post("/{thread_id}/state/checkpoint", response_model=ThreadState, response_model_exclude_unset=True)
async def get_thread_state_at_config(
    ctx: Ctx, thread_id: ThreadId, request: ThreadStateCheckpointRequest
) -> dict[str, Any]:
    """The thread's state at a checkpoint given as a checkpoint config (namespace, id)."""
    return await service.get_thread_state(
        ctx, str(thread_id), subgraphs=request.subgraphs, checkpoint=request.checkpoint
    )


@router.get("/{thread_id}/history", response_model=list[ThreadState], response_model_exclude_unset=True)
async def get_thread_history(
    ctx: Ctx,
    thread_id: ThreadId,
    limit: int = Query(default=1, ge=1, le=1000),
    before: str | None = None,
) -> list[dict[str, Any]]:
    """The thread's checkpoints, newest first."""
    return await service.get_thread_history(ctx, str(thread_id), ThreadStateSearch(limit=limit, before=before))


@router.post("/{thread_id}/history", response_model=list[ThreadState], response_model_exclude_unset=True)
async def search_thread_history(
    ctx: Ctx, thread_id: ThreadId, search: ThreadStateSearch | None = Body(default=None)
) -> list[dict[str, Any]]:
    """The thread's checkpoints, newest first, filtered by metadata and bounded by `before`/`limit`."""
    return await service.get_thread_history(ctx, str(thread_id), search or ThreadStateSearch())
