"""Crons: scheduled runs on a thread or on new threads, each a Temporal Schedule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import Ctx, ThreadId
from api.schemas.crons import Cron, CronCount, CronCreate, CronPatch, CronSearch, ThreadCronCreate
from api.services import crons as service

router = APIRouter(tags=["Crons"])


@router.post("/threads/{thread_id}/runs/crons", response_model=Cron)
async def create_thread_cron(ctx: Ctx, thread_id: ThreadId, request: ThreadCronCreate) -> dict[str, Any]:
    """A cron whose every firing is a run on this thread (its multitask strategy applies)."""
    return await service.create_cron(ctx, request, str(thread_id))


@router.post("/runs/crons", response_model=Cron)
async def create_cron(ctx: Ctx, request: CronCreate) -> dict[str, Any]:
    """A cron whose every firing is a run on a new thread (deleted after it unless `on_run_completed="keep"`)."""
    return await service.create_cron(ctx, request)


@router.post("/runs/crons/search", responses={200: {"model": list[Cron]}})
async def search_crons(ctx: Ctx, request: CronSearch, response: Response) -> list[dict[str, Any]]:
    """Crons by assistant, thread, `enabled` and metadata; `X-Pagination-Total` counts every match."""
    found, total = await service.search_crons(ctx, request)
    response.headers["X-Pagination-Total"] = str(total)
    return found


@router.post("/runs/crons/count")
async def count_crons(ctx: Ctx, request: CronCount) -> int:
    return await service.count_crons(ctx, request)


@router.get("/runs/crons/{cron_id}", response_model=Cron)
async def get_cron(ctx: Ctx, cron_id: str) -> dict[str, Any]:
    return await service.get_cron(ctx, cron_id)


@router.patch("/runs/crons/{cron_id}", response_model=Cron)
async def patch_cron(ctx: Ctx, cron_id: str, request: CronPatch) -> dict[str, Any]:
    """Change the schedule, `enabled`, or the runs it creates; the Temporal Schedule follows."""
    return await service.patch_cron(ctx, cron_id, request)


@router.delete("/runs/crons/{cron_id}", status_code=204)
async def delete_cron(ctx: Ctx, cron_id: str) -> Response:
    """Delete the cron and its schedule (runs it created stay)."""
    await service.delete_cron(ctx, cron_id)
    return Response(status_code=204)
