"""The store endpoints' rules: namespace labels, and items as the official server shows them."""

from __future__ import annotations

from datetime import timezone
from typing import Any

from langgraph.store.base import BaseStore, InvalidNamespaceError, Item

from api.auth.authorize import authorize
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


async def _asked(ctx: AppContext, action: str, value: dict[str, Any]) -> dict[str, Any] | None:
    """The project's `store:<action>` handler sees the request and may rewrite it (scope the
    namespace to the user: `value["namespace"] = (ctx.user.identity, *value["namespace"])`); what it
    leaves in `value` is what is done, its namespace checked again. Its filter, if any: searches
    only (as on the official server)."""
    found = await authorize(ctx, "store", action, value)
    for key in ("namespace", "suffix"):
        if value.get(key) is not None:
            value[key] = checked_namespace(tuple(value[key]))
    return found


async def put_item(ctx: AppContext, request: StorePut) -> None:
    asked = {"namespace": checked_namespace(request.namespace), "key": request.key, "value": request.value,
             "index": request.index, "ttl": request.ttl}
    await _asked(ctx, "put", asked)
    await _guarded(_store(ctx).aput(asked["namespace"], asked["key"], asked["value"], index=asked["index"], ttl=asked["ttl"]))


async def get_item(ctx: AppContext, namespace: str | None, key: str | None, refresh_ttl: str | None) -> dict[str, Any] | None:
    labels = checked_namespace((namespace or "").split("."))
    if not key:
        raise BadRequest("Key is required")
    refresh = refresh_ttl.lower() == "true" if refresh_ttl is not None else None
    asked = {"namespace": labels, "key": key, "refresh_ttl": refresh}
    await _asked(ctx, "get", asked)
    item = await _guarded(_store(ctx).aget(asked["namespace"], asked["key"], refresh_ttl=asked["refresh_ttl"]))
    return item_json(item) if item is not None else None


async def delete_item(ctx: AppContext, request: StoreDelete) -> None:
    asked = {"namespace": checked_namespace(request.namespace), "key": request.key}
    await _asked(ctx, "delete", asked)
    await _guarded(_store(ctx).adelete(asked["namespace"], asked["key"]))


async def search_items(ctx: AppContext, request: StoreSearch) -> dict[str, Any]:
    asked = {"namespace": checked_namespace(request.namespace_prefix), "filter": request.filter, "limit": request.limit,
             "offset": request.offset, "query": request.query, "refresh_ttl": request.refresh_ttl}
    found = await _asked(ctx, "search", asked)
    # The handler's filter narrows the client's (both must hold; on a shared key, the handler's).
    wanted = {**(asked["filter"] or {}), **found} if found else asked["filter"]
    items = await _guarded(
        _store(ctx).asearch(
            asked["namespace"],
            query=asked["query"],
            filter=wanted,
            limit=asked["limit"],
            offset=asked["offset"],
            refresh_ttl=asked["refresh_ttl"],
        )
    )
    return {"items": [item_json(item) for item in items]}


async def list_namespaces(ctx: AppContext, request: StoreListNamespaces) -> dict[str, Any]:
    asked = {"namespace": checked_namespace(request.prefix) if request.prefix else None,
             "suffix": checked_namespace(request.suffix) if request.suffix else None,
             "max_depth": request.max_depth, "limit": request.limit, "offset": request.offset}
    await _asked(ctx, "list_namespaces", asked)
    prefix, suffix = asked["namespace"], asked["suffix"]
    found = await _guarded(
        _store(ctx).alist_namespaces(
            prefix=prefix, suffix=suffix, max_depth=asked["max_depth"], limit=asked["limit"], offset=asked["offset"]
        )
    )
    return {"namespaces": [list(namespace) for namespace in found]}
