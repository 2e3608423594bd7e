"""Rows to wire dicts (one place for timestamp format and field names)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from activities.storage import AssistantRow, AssistantVersionRow, RunRow, ThreadRow


def utc(value: datetime) -> datetime:
    """A stored time with its UTC offset (SQLite hands back naive UTC datetimes)."""
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with an explicit UTC offset."""
    return None if value is None else utc(value).isoformat()


def parse_iso(text: str) -> datetime:
    """A client's ISO 8601 time (`Z` allowed; no offset: UTC). ValueError when it is none."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def version_to_wire(row: AssistantVersionRow | AssistantRow) -> dict[str, Any]:
    """An assistant version (the official `AssistantVersion`); an assistant row is its latest one."""
    return {
        "assistant_id": row.assistant_id,
        "graph_id": row.graph_id,
        "config": row.config or {},
        "context": row.context or {},
        "created_at": iso(row.created_at),
        "metadata": row.meta or {},
        "version": row.version,
        "name": row.name,
        "description": row.description,
    }


def assistant_to_wire(row: AssistantRow) -> dict[str, Any]:
    return {**version_to_wire(row), "updated_at": iso(row.updated_at)}


def select_fields(item: dict[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Only the requested top-level fields (`select` of searches and lists); all when none given."""
    if not fields:
        return item
    return {k: v for k, v in item.items() if k in fields}


def thread_to_wire(row: ThreadRow) -> dict[str, Any]:
    """The official `Thread`: `error` and `interrupts` appear once a run has ended on it (and its
    config then has a `configurable`; `interrupts` not once a rollback left no checkpoint), `ttl`
    only when one was set."""
    wire: dict[str, Any] = {
        "thread_id": row.thread_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "state_updated_at": iso(row.state_updated_at),
        "metadata": row.meta or {},
        "config": row.config or {},
        "status": row.status,
        "values": row.values,
    }
    if row.interrupts is not None or row.error is not None:
        wire["config"] = {"configurable": {}, **wire["config"]}
        wire["error"] = row.error
    if row.interrupts is not None:  # none once a rollback left no checkpoint
        wire["interrupts"] = row.interrupts
    if row.ttl is not None:
        wire["ttl"] = row.ttl
    return wire


def run_to_wire(row: RunRow, status: str | None = None) -> dict[str, Any]:
    return {
        "run_id": row.run_id,
        "thread_id": row.thread_id,
        "assistant_id": row.assistant_id,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
        "status": status or row.status,
        "metadata": row.meta or {},
        "kwargs": row.kwargs or {},
        "multitask_strategy": row.multitask_strategy,
        "langsmith_session_name": None,  # the official field; this server sends no traces to LangSmith
    }
