"""Auth handler filters: `matches` (one object) and the SQL of searches agree, on SQLite and
PostgreSQL, over the operators the official server reads; malformed filters are the official 500s."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.exceptions import HTTPException

from activities.storage import Database, ThreadRow
from activities.storage import queries
from api.auth.filters import matches, validate

METADATA: dict[str, dict[str, Any]] = {
    "ann": {"owner": "ann", "tier": 1, "tags": ["a", "b"], "vip": True},
    "bob": {"owner": "bob", "tier": 2, "tags": ["b"], "org": {"id": "x"}},
    "nul": {"owner": None, "tags": "a"},
    "bare": {},
}
FILTERS: list[tuple[dict[str, Any], set[str]]] = [
    ({"owner": "ann"}, {"ann"}),
    ({"owner": {"$eq": "bob"}}, {"bob"}),
    ({"owner": None}, {"nul"}),
    ({"tier": 2}, {"bob"}),
    ({"vip": True}, {"ann"}),
    ({"tags": ["b"]}, {"bob"}),  # plain equality of a list is exact
    ({"tags": {"$contains": "b"}}, {"ann", "bob"}),
    ({"tags": {"$contains": ["a", "b"]}}, {"ann"}),
    ({"tags": {"$contains": "a"}}, {"ann"}),  # a string holding "a" is not a list
    ({"org": {"$eq": {"id": "x"}}}, {"bob"}),
    ({"org": {"id": "x"}}, set(METADATA)),  # not an operator the server knows: no constraint
    ({"owner": {"$ne": "ann"}}, set(METADATA)),
    ({"$or": [{"owner": "ann"}, {"tier": 2}]}, {"ann", "bob"}),
    ({"$and": [{"tags": {"$contains": "b"}}, {"tier": 2}]}, {"bob"}),
    ({"$or": [{"owner": "ann"}, {"owner": "bob"}], "tier": 1}, {"ann"}),
    ({"$or": [{"$and": [{"owner": "bob"}, {"tier": 2}]}, {"owner": None}]}, {"bob", "nul"}),
    ({"owner": "ann", "tier": 2}, set()),
    ({"missing": "x"}, set()),
]


@pytest.mark.parametrize(("filters", "expected"), FILTERS, ids=[str(f) for f, _ in FILTERS])
def test_matches(filters: dict[str, Any], expected: set[str]) -> None:
    validate(filters)
    assert {name for name, meta in METADATA.items() if matches(meta, filters)} == expected


async def test_searches_and_counts_filter_as_matches_does(db: Database) -> None:
    async with db.session() as s:
        for name, meta in METADATA.items():
            s.add(ThreadRow(thread_id=name, meta=meta, config={}))
    for filters, expected in FILTERS:
        async with db.session() as s:
            found = await queries.search_threads(
                s, ids=None, metadata={}, values={}, status=None, limit=10, offset=0,
                sort_by="thread_id", sort_order="asc", auth_filter=filters,
            )
            count = await queries.count_threads(s, metadata={}, values={}, status=None, auth_filter=filters)
        assert {t.thread_id for t in found} == expected, filters
        assert count == len(expected), filters


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"$or": [{"a": 1}]}, "invalid $or operator"),
        ({"$and": {"a": 1}}, "invalid $and operator"),
        ({"$or": [{"$and": [{"$or": [{"a": 1}, {"b": 1}]}, {"c": 1}]}, {"d": 1}]}, "too many nested operators"),
        ({"a": {}}, "empty operator"),
    ],
)
def test_malformed_filters_are_a_500_naming_the_mistake(filters: dict[str, Any], message: str) -> None:
    with pytest.raises(HTTPException) as raised:
        validate(filters)
    assert raised.value.status_code == 500 and message in raised.value.detail
