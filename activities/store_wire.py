"""The store's operations and results as plain JSON, to cross from graph code running in a workflow
to the local activity that runs them on the real store (workflows/store.py), and back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from langgraph.store.base import GetOp, Item, ListNamespacesOp, MatchCondition, Op, PutOp, Result, SearchItem, SearchOp
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.storage.store import process_store


def op_to_wire(op: Op) -> dict[str, Any]:
    if isinstance(op, GetOp):
        return {"op": "get", "namespace": list(op.namespace), "key": op.key, "refresh_ttl": op.refresh_ttl}
    if isinstance(op, PutOp):
        return {"op": "put", "namespace": list(op.namespace), "key": op.key, "value": op.value, "index": op.index, "ttl": op.ttl}
    if isinstance(op, SearchOp):
        return {
            "op": "search", "namespace_prefix": list(op.namespace_prefix), "filter": op.filter, "limit": op.limit,
            "offset": op.offset, "query": op.query, "refresh_ttl": op.refresh_ttl,
        }
    if isinstance(op, ListNamespacesOp):
        conditions = [{"match_type": c.match_type, "path": list(c.path)} for c in op.match_conditions or ()]
        return {"op": "list_namespaces", "match_conditions": conditions, "max_depth": op.max_depth, "limit": op.limit, "offset": op.offset}
    raise TypeError(f"unknown store operation {type(op).__name__}")


def op_from_wire(wire: dict[str, Any]) -> Op:
    kind = wire["op"]
    if kind == "get":
        return GetOp(tuple(wire["namespace"]), wire["key"], wire["refresh_ttl"])
    if kind == "put":
        return PutOp(tuple(wire["namespace"]), wire["key"], wire["value"], wire["index"], wire["ttl"])
    if kind == "search":
        return SearchOp(
            tuple(wire["namespace_prefix"]), wire["filter"], wire["limit"], wire["offset"], wire["query"], wire["refresh_ttl"]
        )
    conditions = tuple(MatchCondition(c["match_type"], tuple(c["path"])) for c in wire["match_conditions"])
    return ListNamespacesOp(conditions or None, wire["max_depth"], wire["limit"], wire["offset"])


def _item_to_wire(item: Item) -> dict[str, Any]:
    wire = {
        "namespace": list(item.namespace), "key": item.key, "value": item.value,
        "created_at": item.created_at.isoformat(), "updated_at": item.updated_at.isoformat(),
    }
    if isinstance(item, SearchItem):
        wire["score"] = item.score
    return wire


def _item_from_wire(wire: dict[str, Any]) -> Item:
    fields = dict(
        namespace=tuple(wire["namespace"]), key=wire["key"], value=wire["value"],
        created_at=datetime.fromisoformat(wire["created_at"]), updated_at=datetime.fromisoformat(wire["updated_at"]),
    )
    return SearchItem(**fields, score=wire["score"]) if "score" in wire else Item(**fields)


def result_to_wire(result: Result) -> Any:
    if isinstance(result, Item):
        return {"item": _item_to_wire(result)}
    if isinstance(result, list) and result and isinstance(result[0], Item):
        return {"items": [_item_to_wire(i) for i in result]}
    if isinstance(result, list):
        return {"list": [list(x) for x in result]}  # namespaces (or an empty search)
    return None


def result_from_wire(wire: Any, op: Op) -> Result:
    if wire is None:
        return None
    if "item" in wire:
        return _item_from_wire(wire["item"])
    if "items" in wire:
        return [_item_from_wire(i) for i in wire["items"]]
    if isinstance(op, ListNamespacesOp):
        return [tuple(x) for x in wire["list"]]
    return []  # an empty search


@activity.defn(name="store_batch")
async def store_batch(ops: list[dict[str, Any]]) -> list[Any]:
    """Run store operations that graph code in a workflow asked for (a local activity)."""
    store = process_store()
    if store is None:
        raise ApplicationError("this worker has no store", type="InvalidStoreOperation", non_retryable=True)
    try:
        results = await store.abatch([op_from_wire(op) for op in ops])
    except ValueError as exc:  # an empty namespace, a bad filter key or operator: the graph's mistake
        raise ApplicationError(f"{type(exc).__name__}: {exc}", type="InvalidStoreOperation", non_retryable=True) from exc
    return [result_to_wire(result) for result in results]
