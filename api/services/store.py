"""The store endpoints' rules: namespace labels, and items as the official server shows them."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from langgraph.store.base import BaseStore, InvalidNamespaceError, Item

from api.context import AppContext
from api.errors import BadRequest, InvalidRequest
from api.schemas.store import StoreDelete, StoreListNamespaces, StorePut, StoreSearch


def _store(ctx: AppContext) -> BaseStore:
    assert ctx.db.store is not None
    return ctx.db.store


def checked_namespace(labels: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """The official rule: every label a non-empty string without periods (the GET form joins them with
    periods), else 422. An empty namespace is LangGraph's to refuse where it matters (400)."""
    for label in labels or ():
        if not label or "." in label:
            raise InvalidRequest(f"Namespace label {label!r} must be a non-empty string without periods")
    return tuple(labels or ())


def item_json(item: Item) -> dict[str, Any]:
    """An item (a search result: with its `score`) with ISO timestamps in UTC, as the official server."""
    shown = item.dict()
    for key in ("created_at", "updated_at"):
        stamp = getattr(item, key)
        if stamp.tzinfo is None:  # LangGraph's SQLite store keeps naive UTC times
            stamp = stamp.replace(tzinfo=timezone.utc)
        shown[key] = stamp.isoformat()
    return shown


async def _guarded(call: Any) -> Any:
    """The store's own refusals as the official answers: an empty namespace is a 400; a filter key or
    a number the database cannot take is the request's fault, a 422 naming it."""
    try:
        return await call
    except InvalidNamespaceError as exc:
        raise BadRequest(str(exc)) from None
    except (ValueError, OverflowError) as exc:
        raise InvalidRequest(f"Invalid store request: {exc}") from None


async def put_item(ctx: AppContext, request: StorePut) -> None:
    namespace = checked_namespace(request.namespace)
    await _guarded(_store(ctx).aput(namespace, request.key, request.value, index=request.index, ttl=request.ttl))


async def get_item(ctx: AppContext, namespace: str | None, key: str | None, refresh_ttl: str | None) -> dict[str, Any] | None:
    labels = checked_namespace((namespace or "").split("."))
    if not key:
        raise BadRequest("Key is required")
    refresh = refresh_ttl.lower() == "true" if refresh_ttl is not None else None
    item = await _guarded(_store(ctx).aget(labels, key, refresh_ttl=refresh))
    return item_json(item) if item is not None else None


async def delete_item(ctx: AppContext, request: StoreDelete) -> None:
    await _guarded(_store(ctx).adelete(checked_namespace(request.namespace), request.key))


async def search_items(ctx: AppContext, request: StoreSearch) -> dict[str, Any]:
    items = await _guarded(
        _store(ctx).asearch(
            checked_namespace(request.namespace_prefix),
            query=request.query,
            filter=request.filter,
            limit=request.limit,
            offset=request.offset,
            refresh_ttl=request.refresh_ttl,
        )
    )
    return {"items": [item_json(item) for item in items]}


async def list_namespaces(ctx: AppContext, request: StoreListNamespaces) -> dict[str, Any]:
    prefix = checked_namespace(request.prefix) if request.prefix else None
    suffix = checked_namespace(request.suffix) if request.suffix else None
    found = await _guarded(
        _store(ctx).alist_namespaces(
            prefix=prefix, suffix=suffix, max_depth=request.max_depth, limit=request.limit, offset=request.offset
        )
    )
    return {"namespaces": [list(namespace) for namespace in found]}
