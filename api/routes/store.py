"""The long-term memory store: items by namespace and key, search, namespaces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Response

from api.deps import Ctx
from api.schemas.store import StoreDelete, StoreListNamespaces, StorePut, StoreSearch
from api.services import store as service

router = APIRouter(prefix="/store", tags=["Store"])


@router.put("/items", status_code=204)
async def put_item(ctx: Ctx, request: StorePut) -> Response:
    """Store or replace an item (`ttl` in minutes; `index`: false, or the fields to embed)."""
    await service.put_item(ctx, request)
    return Response(status_code=204)


@router.get("/items")
async def get_item(
    ctx: Ctx,
    key: str | None = Query(default=None),
    namespace: str | None = Query(default=None, description="The namespace's labels joined with '.'"),
    refresh_ttl: str | None = Query(default=None),
) -> dict[str, Any] | None:
    """One item, or null when there is none."""
    return await service.get_item(ctx, namespace, key, refresh_ttl)


@router.delete("/items", status_code=204)
async def delete_item(ctx: Ctx, request: StoreDelete = Body(...)) -> Response:
    """Delete an item (204 whether or not it existed)."""
    await service.delete_item(ctx, request)
    return Response(status_code=204)


@router.post("/items/search")
async def search_items(ctx: Ctx, request: StoreSearch) -> dict[str, Any]:
    """Items under a namespace prefix: filtered, ranked by `query` when the store has an index."""
    return await service.search_items(ctx, request)


@router.post("/namespaces")
async def list_namespaces(ctx: Ctx, request: StoreListNamespaces) -> dict[str, Any]:
    """The namespaces under `prefix` / ending in `suffix`, cut at `max_depth`."""
    return await service.list_namespaces(ctx, request)
