"""SQLModel tables for what the API lists and searches (LangGraph's own tables hold checkpoints)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Column, DateTime, LargeBinary, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

# JSONB on PostgreSQL (containment queries), JSON text on SQLite.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Aware UTC now; every stored timestamp goes through here."""
    return datetime.now(timezone.utc)


def _json(nullable: bool = False, name: str | None = None) -> Any:
    if name is None:
        return Field(default=None, sa_type=JsonType, nullable=nullable)
    return Field(default=None, sa_column=Column(name, JsonType, nullable=nullable))


def _ts() -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False)


class AssistantRow(SQLModel, table=True):
    __tablename__ = "assistants"

    assistant_id: str = Field(primary_key=True, sa_type=String(64))
    graph_id: str = Field(index=True)
    name: str
    description: str | None = None
    config: dict[str, Any] = _json()
    context: dict[str, Any] = _json()
    # `metadata` is reserved by SQLModel; the column keeps the official name.
    meta: dict[str, Any] = _json(name="metadata")
    version: int = 1
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class AssistantVersionRow(SQLModel, table=True):
    """Every version an assistant has had; the assistant's own row mirrors the one set as latest."""

    __tablename__ = "assistant_versions"

    assistant_id: str = Field(primary_key=True, sa_type=String(64))
    version: int = Field(primary_key=True)
    graph_id: str
    name: str
    description: str | None = None
    config: dict[str, Any] = _json()
    context: dict[str, Any] = _json()
    meta: dict[str, Any] = _json(name="metadata")
    created_at: datetime = _ts()


class ThreadRow(SQLModel, table=True):
    __tablename__ = "threads"

    thread_id: str = Field(primary_key=True, sa_type=String(64))
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    state_updated_at: datetime = _ts()
    meta: dict[str, Any] = _json(name="metadata")
    config: dict[str, Any] = _json()
    status: str = Field(default="idle", index=True)
    values: dict[str, Any] | None = _json(nullable=True)
    interrupts: dict[str, Any] | None = _json(nullable=True)
    error: dict[str, Any] | None = _json(nullable=True)
    # `{"ttl": minutes, "strategy": "delete"}` as sent; `expires_at` is when the sweeper deletes it.
    ttl: dict[str, Any] | None = _json(nullable=True)
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True, index=True)


def new_thread_row(**fields: Any) -> ThreadRow:
    """A thread that does not exist yet, stamped at one instant: its `created_at` equals its
    `updated_at` (and `state_updated_at`, unless given), as clients expect of a new thread."""
    now = utcnow()
    return ThreadRow(**{"created_at": now, "updated_at": now, "state_updated_at": now, **fields})


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"

    run_id: str = Field(primary_key=True, sa_type=String(64))
    thread_id: str = Field(index=True, sa_type=String(64))
    assistant_id: str
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    status: str = Field(default="pending", index=True)
    meta: dict[str, Any] = _json(name="metadata")
    kwargs: dict[str, Any] = _json()
    multitask_strategy: str = "enqueue"


class CronRow(SQLModel, table=True):
    """A cron as the API lists it; its Temporal Schedule (`cron-{cron_id}`) is what fires it."""

    __tablename__ = "crons"

    cron_id: str = Field(primary_key=True, sa_type=String(64))
    assistant_id: str = Field(index=True, sa_type=String(64))
    # None: each firing runs on a new thread.
    thread_id: str | None = Field(default=None, index=True, sa_type=String(64))
    user_id: str | None = None
    schedule: str
    timezone: str | None = None
    end_time: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)
    # The create request as sent (assistant resolved, `config.configurable.cron_id` added), patches merged.
    payload: dict[str, Any] = _json()
    meta: dict[str, Any] = _json(name="metadata")
    on_run_completed: str | None = None
    # As last set through the API; the schedule's paused state (and its next action time, the
    # cron's `next_run_date`) is what the API shows.
    enabled: bool = True
    created_at: datetime = _ts()
    updated_at: datetime = _ts()


class ThreadStateUpdateRow(SQLModel, table=True):
    """A state update made through the API, for thread streams' `state_update` mode. Its uuid7 id
    orders it among the thread's runs (state updates only happen between runs)."""

    __tablename__ = "thread_state_updates"

    update_id: str = Field(primary_key=True, sa_type=String(64))
    thread_id: str = Field(index=True, sa_type=String(64))
    created_at: datetime = _ts()
    # `{"state": <thread state after the update>, "thread_id": ...}`, the event's data as sent.
    data: dict[str, Any] = _json()


class PayloadBlobRow(SQLModel, table=True):
    """A Temporal payload kept out of workflow history (activities/payload_storage.py)."""

    __tablename__ = "payload_blobs"

    # sha256 of the serialized payload, so equal payloads share one row.
    key: str = Field(primary_key=True, sa_type=String(64))
    # The serialized `Payload`, zlib-compressed.
    data: bytes = Field(sa_type=LargeBinary, nullable=False)
    size: int
    stored_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True), nullable=False, index=True)
