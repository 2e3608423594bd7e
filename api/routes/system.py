"""Health and server information."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api import metrics
from api.deps import Ctx

router = APIRouter(tags=["System"])


def _version(package: str) -> str | None:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


@router.get("/ok")
async def ok() -> dict[str, bool]:
    """Liveness check."""
    return {"ok": True}


@router.get("/info")
async def info(ctx: Ctx) -> dict[str, Any]:
    """Server version, the LangGraph version it runs graphs with, and its features."""
    return {
        "version": _version("temporal-agent-server"),
        "langgraph_py_version": _version("langgraph"),
        "temporalio_version": _version("temporalio"),
        "graphs": sorted(ctx.graphs),
        "flags": {"assistants": True, "crons": True, "langsmith": False},
        "host": {"kind": "temporal-agent-server", "task_queue": ctx.settings.task_queue},
    }


@router.get("/metrics", response_model=None)
async def server_metrics(ctx: Ctx, format: str = "prometheus") -> Response:
    """Prometheus text (default) or `?format=json`: the queue, HTTP requests, runs by status, run
    durations, open streams and the Temporal task queue (api/metrics.py)."""
    if format == "json":
        return JSONResponse(await metrics.snapshot(ctx))
    return Response(await metrics.prometheus_text(ctx), media_type=CONTENT_TYPE_LATEST)
