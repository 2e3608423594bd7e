"""Assistants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Response

from api.deps import Ctx
from api.schemas.assistants import (
    Assistant,
    AssistantCountRequest,
    AssistantCreate,
    AssistantPatch,
    AssistantSearchRequest,
    AssistantSetLatest,
    AssistantVersion,
    AssistantVersionsSearchRequest,
)
from api.services import assistants as service
from api.services.pagination import set_page_headers

router = APIRouter(prefix="/assistants", tags=["Assistants"])


@router.post("", response_model=Assistant)
async def create_assistant(ctx: Ctx, request: AssistantCreate) -> dict[str, Any]:
    """Create an assistant for a graph (409 if `assistant_id` exists, unless `if_exists` is `do_nothing`)."""
    return await service.create_assistant(ctx, request)


@router.post("/search", responses={200: {"model": list[Assistant]}})
async def search_assistants(ctx: Ctx, request: AssistantSearchRequest, response: Response) -> list[dict[str, Any]]:
    """Search assistants by graph id, name and metadata; `X-Pagination-Next` gives the next offset."""
    found, page = await service.search_assistants(ctx, request)
    set_page_headers(response, page)
    return found


@router.post("/count", response_model=int)
async def count_assistants(ctx: Ctx, request: AssistantCountRequest) -> int:
    """Count the assistants matching graph id, name and metadata."""
    return await service.count_assistants(ctx, request)


@router.get("/{assistant_id}", response_model=Assistant)
async def get_assistant(ctx: Ctx, assistant_id: str) -> dict[str, Any]:
    """Get an assistant by id (a graph id gives the graph's default assistant)."""
    return await service.get_assistant(ctx, assistant_id)


@router.patch("/{assistant_id}", response_model=Assistant)
async def update_assistant(ctx: Ctx, assistant_id: str, patch: AssistantPatch) -> dict[str, Any]:
    """Update an assistant: a new version that becomes the latest (metadata merges)."""
    return await service.update_assistant(ctx, assistant_id, patch)


@router.delete("/{assistant_id}", status_code=204, response_class=Response)
async def delete_assistant(ctx: Ctx, assistant_id: str, delete_threads: bool = False) -> Response:
    """Delete an assistant and its versions (and, with `delete_threads`, the threads it ran on)."""
    await service.delete_assistant(ctx, assistant_id, delete_threads=delete_threads)
    return Response(status_code=204)


@router.get("/{assistant_id}/graph")
async def get_assistant_graph(ctx: Ctx, assistant_id: str, xray: str | None = None) -> dict[str, Any]:
    """The assistant's graph as nodes and edges (`xray` includes subgraphs, to a depth if a number)."""
    return await service.get_graph(ctx, assistant_id, service.parse_xray(xray))


@router.get("/{assistant_id}/schemas")
async def get_assistant_schemas(ctx: Ctx, assistant_id: str) -> dict[str, Any]:
    """JSON Schemas of the graph's input, output, state, config and context."""
    return await service.get_schemas(ctx, assistant_id)


@router.get("/{assistant_id}/subgraphs")
async def get_assistant_subgraphs(ctx: Ctx, assistant_id: str, recurse: bool = False) -> dict[str, Any]:
    """The graph's subgraphs with their schemas, by namespace."""
    return await service.get_subgraphs(ctx, assistant_id, None, recurse)


@router.get("/{assistant_id}/subgraphs/{namespace}")
async def get_assistant_subgraphs_in(ctx: Ctx, assistant_id: str, namespace: str, recurse: bool = False) -> dict[str, Any]:
    """The subgraphs under one namespace, with their schemas."""
    return await service.get_subgraphs(ctx, assistant_id, namespace, recurse)


@router.post("/{assistant_id}/versions", response_model=list[AssistantVersion])
async def list_assistant_versions(
    ctx: Ctx, assistant_id: str, request: AssistantVersionsSearchRequest | None = Body(default=None)
) -> list[dict[str, Any]]:
    """The assistant's versions, newest first."""
    return await service.list_versions(ctx, assistant_id, request or AssistantVersionsSearchRequest())


@router.post("/{assistant_id}/latest", response_model=Assistant)
async def set_latest_assistant_version(
    ctx: Ctx,
    assistant_id: str,
    version: int | None = Query(default=None, ge=1),
    request: AssistantSetLatest | None = Body(default=None),
) -> dict[str, Any]:
    """Make an earlier version the assistant's current one."""
    return await service.set_latest(ctx, assistant_id, version if version is not None else (request or AssistantSetLatest()).version)
