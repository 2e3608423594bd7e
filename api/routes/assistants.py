"""Assistants."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Ctx
from api.schemas.assistants import Assistant, AssistantSearchRequest
from api.services import assistants as service

router = APIRouter(prefix="/assistants", tags=["Assistants"])


@router.post("/search", response_model=list[Assistant])
async def search_assistants(ctx: Ctx, request: AssistantSearchRequest) -> list[dict[str, Any]]:
    """Search assistants by graph id, name and metadata."""
    return await service.search_assistants(ctx, request)


@router.get("/{assistant_id}", response_model=Assistant)
async def get_assistant(ctx: Ctx, assistant_id: str) -> dict[str, Any]:
    """Get an assistant by id (a graph id gives the graph's default assistant)."""
    return await service.get_assistant(ctx, assistant_id)
