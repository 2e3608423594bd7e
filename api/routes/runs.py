"""Runs: background runs on a thread, join, wait, cancel; stateless runs and batches."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from api.deps import Ctx, RunId, ThreadId
from api.schemas.common import RunStatus
from api.schemas.runs import CancelAction, Run, RunCreateStateful, RunCreateStateless, RunsCancel
from api.services import runs as service

router = APIRouter(tags=["Thread Runs"])


def _locate(response: Response, thread_id: str, run_id: str, *, joined: bool = False, stateless: bool = False) -> None:
    # As the official server: where the run can be read (a stateless background run without its
    # temporary thread) and, on answers that waited for it, where its outcome can be awaited again.
    response.headers["Content-Location"] = f"/runs/{run_id}" if stateless else f"/threads/{thread_id}/runs/{run_id}"
    if joined:
        response.headers["Location"] = f"/threads/{thread_id}/runs/{run_id}/join"


@router.post("/threads/{thread_id}/runs", response_model=Run)
async def create_run(ctx: Ctx, thread_id: ThreadId, payload: RunCreateStateful, response: Response) -> dict[str, Any]:
    """Start a background run on a thread; returns at once with the run (`pending` or `running`)."""
    run = await service.create_run(ctx, str(thread_id), payload)
    _locate(response, run["thread_id"], run["run_id"])
    return run


@router.get("/threads/{thread_id}/runs", responses={200: {"model": list[Run]}})
async def list_runs(
    ctx: Ctx,
    thread_id: ThreadId,
    limit: int = Query(default=10, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
    status: RunStatus | None = None,
    select: list[str] | None = Query(default=None),
) -> list[dict[str, Any]]:
    """List a thread's runs, newest first."""
    return await service.list_runs(ctx, str(thread_id), limit, offset, status, select)


@router.post("/threads/{thread_id}/runs/wait")
async def wait_run(ctx: Ctx, thread_id: ThreadId, payload: RunCreateStateful, response: Response) -> Any:
    """Start a run and answer with the thread's values when it ends."""
    run, outcome = await service.wait_run(ctx, str(thread_id), payload)
    _locate(response, run["thread_id"], run["run_id"], joined=True)
    return outcome


@router.get("/threads/{thread_id}/runs/{run_id}", response_model=Run)
async def get_run(ctx: Ctx, thread_id: ThreadId, run_id: RunId) -> dict[str, Any]:
    """Get a run; its status is reconciled with its Temporal workflow."""
    return await service.get_run(ctx, str(thread_id), str(run_id))


@router.delete("/threads/{thread_id}/runs/{run_id}", status_code=204, response_class=Response)
async def delete_run(ctx: Ctx, thread_id: ThreadId, run_id: RunId) -> Response:
    """Delete a finished run (409 while it is pending or running: cancel it first)."""
    await service.delete_run(ctx, str(thread_id), str(run_id))
    return Response(status_code=204)


@router.get("/threads/{thread_id}/runs/{run_id}/join")
async def join_run(
    ctx: Ctx, thread_id: ThreadId, run_id: RunId, response: Response, cancel_on_disconnect: bool = False
) -> Any:
    """Wait for a run to end and answer with the thread's values."""
    outcome = await service.join_run(ctx, str(thread_id), str(run_id))
    _locate(response, str(thread_id), str(run_id), joined=True)
    return outcome


@router.post("/threads/{thread_id}/runs/{run_id}/cancel")
async def cancel_run(
    ctx: Ctx, thread_id: ThreadId, run_id: RunId, response: Response, wait: bool = False,
    action: CancelAction = "interrupt",
) -> Any:
    """Cancel a run (`rollback` also deletes it and what it wrote); `wait` answers once it has stopped."""
    outcome = await service.cancel_run(ctx, str(thread_id), str(run_id), wait=wait, action=action)
    if wait:  # it waited as a join does, and says so as the official server does
        _locate(response, str(thread_id), str(run_id), joined=True)
    return outcome


@router.post("/runs/cancel", status_code=204, response_class=Response)
async def cancel_runs(ctx: Ctx, request: RunsCancel, action: CancelAction = "interrupt") -> Response:
    """Cancel runs by id on a thread, or every run with a status (`pending`, `running`, `all`)."""
    await service.cancel_runs(ctx, request, action)
    return Response(status_code=204)


@router.post("/runs", tags=["Stateless Runs"], response_model=Run)
async def create_stateless_run(ctx: Ctx, payload: RunCreateStateless, response: Response) -> dict[str, Any]:
    """Start a background run on a new thread (deleted when the run ends unless `on_completion="keep"`)."""
    run = await service.create_stateless_run(ctx, payload)
    _locate(response, run["thread_id"], run["run_id"], stateless=True)
    return run


@router.post("/runs/wait", tags=["Stateless Runs"])
async def wait_stateless_run(ctx: Ctx, payload: RunCreateStateless, response: Response) -> Any:
    """Run on a temporary thread and answer with its values (the thread is deleted unless kept)."""
    run, outcome = await service.wait_run(ctx, None, payload)
    _locate(response, run["thread_id"], run["run_id"], joined=True)
    return outcome


@router.post("/runs/batch", tags=["Stateless Runs"], response_model=list[Run])
async def create_run_batch(ctx: Ctx, payloads: list[RunCreateStateless]) -> list[dict[str, Any]]:
    """Start several stateless background runs."""
    return await service.create_batch(ctx, payloads)
