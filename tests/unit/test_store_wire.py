"""Store operations and results survive the trip to the workflow store's local activity and back."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from langgraph.store.base import GetOp, Item, ListNamespacesOp, MatchCondition, PutOp, SearchItem, SearchOp

from activities.store_wire import op_from_wire, op_to_wire, result_from_wire, result_to_wire

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def _through_json(value: object) -> object:
    return json.loads(json.dumps(value))  # as Temporal's JSON converter carries it


def test_every_operation_round_trips() -> None:
    ops = [
        GetOp(("a", "b"), "k", refresh_ttl=False),
        PutOp(("a",), "k", {"v": [1, 2]}, index=["v"], ttl=5.0),
        PutOp(("a",), "gone", None),
        SearchOp(("a",), {"v": {"$gt": 1}}, limit=3, offset=1, query="cats", refresh_ttl=True),
        ListNamespacesOp((MatchCondition("prefix", ("a",)), MatchCondition("suffix", ("*", "b"))), max_depth=2, limit=7, offset=0),
        ListNamespacesOp(None),
    ]
    for op in ops:
        assert op_from_wire(_through_json(op_to_wire(op))) == op  # type: ignore[arg-type]


def test_every_result_round_trips() -> None:
    item = Item(namespace=("a",), key="k", value={"v": 1}, created_at=NOW, updated_at=NOW)
    found = SearchItem(namespace=("a",), key="k", value={"v": 1}, created_at=NOW, updated_at=NOW, score=0.5)
    cases = [
        (GetOp(("a",), "k"), item),
        (GetOp(("a",), "missing"), None),
        (PutOp(("a",), "k", {}), None),
        (SearchOp(("a",)), [found]),
        (SearchOp(("a",)), []),
        (ListNamespacesOp(None), [("a",), ("a", "b")]),
        (ListNamespacesOp(None), []),
    ]
    for op, result in cases:
        back = result_from_wire(_through_json(result_to_wire(result)), op)
        assert back == result
        if isinstance(result, list) and result and isinstance(result[0], SearchItem):
            assert isinstance(back[0], SearchItem) and back[0].score == 0.5  # type: ignore[index]
