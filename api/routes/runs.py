"""Runs: background runs on a thread, join, wait, stateless wait."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.deps import Ctx, RunId, ThreadId
from api.schemas.common import RunStatus
from api.schemas.runs import Run, RunCreateStateful, RunCreateStateless
from api.services import runs as service

router = APIRouter(tags=["Thread Runs"])


@router.post("/threads/{thread_id}/runs", response_model=Run)
async def create_run(ctx: Ctx, thread_id: ThreadId, payload: RunCreateStateful) -> dict[str, Any]:
    """Start a background run on a thread; returns at once with the run (`pending` or `running`)."""
    return await service.create_run(ctx, str(thread_id), payload)


@router.get("/threads/{thread_id}/runs", response_model=list[Run])
async def list_runs(
    ctx: Ctx,
    thread_id: ThreadId,
    limit: int = Query(default=10, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
    status: RunStatus | None = None,
) -> list[dict[str, Any]]:
    """List a thread's runs, newest first."""
    return await service.list_runs(ctx, str(thread_id), limit, offset, status)


@router.post("/threads/{thread_id}/runs/wait")
async def wait_run(ctx: Ctx, thread_id: ThreadId, payload: RunCreateStateful) -> Any:
    """Start a run and answer with the thread's values when it ends."""
    return await service.wait_run(ctx, str(thread_id), payload)


@router.get("/threads/{thread_id}/runs/{run_id}", response_model=Run)
async def get_run(ctx: Ctx, thread_id: ThreadId, run_id: RunId) -> dict[str, Any]:
    """Get a run; its status is reconciled with its Temporal workflow."""
    return await service.get_run(ctx, str(thread_id), str(run_id))


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join_run(ctx: Ctx, thread_id: ThreadId, run_id: RunId) -> Any:
    """Wait for a run to end and answer with the thread's values."""
    return await service.join_run(ctx, str(thread_id), str(run_id))


@router.post("/runs/wait", tags=["Stateless Runs"])
async def wait_stateless_run(ctx: Ctx, payload: RunCreateStateless) -> Any:
    """Run on a temporary thread and answer with its values (the thread is deleted unless kept)."""
    return await service.wait_run(ctx, None, payload)
