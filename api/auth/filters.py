"""The filters `@auth.on` handlers return, as the official server reads them: over an object's
metadata, `{"key": value}` (present and equal), `{"key": {"$eq": value}}` (the same),
`{"key": {"$contains": x}}` (the metadata value is a list holding x, or every element of the list x),
and `{"$or": [f, g, ...]}` / `{"$and": [f, g, ...]}` (at least two filters each, nested at most
twice), all the keys of one filter together. An operator other than these constrains nothing (as
there). `matches` tests one object; searches and counts turn the same rules into SQL
(activities/storage/queries.py `metadata_filter`), so paging and counts see only what matches.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException

MAX_NESTING = 2


def _fail(message: str) -> HTTPException:
    return HTTPException(500, message)


def _groups(filters: dict[str, Any], op: str) -> list[dict[str, Any]]:
    groups = filters[op]
    if not isinstance(groups, list) or len(groups) < 2 or not all(isinstance(g, dict) for g in groups):
        raise _fail(
            f"Your auth handler returned a filter with an invalid {op} operator. The {op} operator must be a list "
            "of at least 2 filter objects. Check the filter returned by your auth handler."
        )
    return groups


def validate(filters: dict[str, Any], level: int = 0) -> None:
    """A 500 naming the mistake when a handler's filter is malformed (the official messages)."""
    if level > MAX_NESTING:
        raise _fail(
            "Your auth handler returned a filter with too many nested operators. The maximum depth for nested "
            "operators is 2. Please simplify your filter."
        )
    for op in ("$or", "$and"):
        if op in filters:
            for group in _groups(filters, op):
                validate(group, level + 1)
    for key, value in filters.items():
        if key not in ("$or", "$and") and isinstance(value, dict) and not value:
            raise _fail(f"Your auth handler returned a filter with an empty operator for {key!r}. Check the filter returned by your auth handler.")


def _contains(held: Any, wanted: Any) -> bool:
    if not isinstance(held, list):
        return False
    return all(w in held for w in wanted) if isinstance(wanted, list) else wanted in held


def matches(metadata: dict[str, Any] | None, filters: dict[str, Any] | None) -> bool:
    """Whether `metadata` satisfies `filters` (a validated filter)."""
    if not filters:
        return True
    metadata = metadata or {}
    for op in ("$or", "$and"):
        if op in filters:
            found = [matches(metadata, group) for group in filters[op]]
            if not (any(found) if op == "$or" else all(found)):
                return False
    for key, value in filters.items():
        if key in ("$or", "$and"):
            continue
        if isinstance(value, dict):
            op, operand = next(iter(value.items()))
            if op == "$eq" and not (key in metadata and metadata[key] == operand):
                return False
            if op == "$contains" and not (key in metadata and _contains(metadata[key], operand)):
                return False
        elif not (key in metadata and metadata[key] == value):
            return False
    return True
