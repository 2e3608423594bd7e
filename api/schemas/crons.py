"""Cron schemas: the cron object and its create, patch, search and count payloads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Durability, Json, Metadata, MultitaskStrategy, SortOrder, StreamMode

CronSortBy = Literal["cron_id", "assistant_id", "thread_id", "next_run_date", "end_time", "created_at", "updated_at"]
CRON_FIELDS = (
    "cron_id", "assistant_id", "thread_id", "user_id", "end_time", "schedule", "timezone", "payload",
    "next_run_date", "metadata", "on_run_completed", "enabled", "created_at", "updated_at",
)


class Cron(BaseModel):
    cron_id: str
    assistant_id: str
    thread_id: str | None
    user_id: str | None
    end_time: str | None
    schedule: str
    timezone: str | None
    payload: Metadata
    next_run_date: str | None
    metadata: Metadata
    on_run_completed: Literal["delete", "keep"] | None
    enabled: bool
    created_at: str
    updated_at: str


class _CronRunFields(BaseModel):
    """What each firing's run is created with (the official run-create fields a cron takes)."""

    model_config = ConfigDict(extra="ignore")

    input: Json = None
    metadata: Metadata = Field(default_factory=dict)
    config: Metadata = Field(default_factory=dict)
    context: Metadata = Field(default_factory=dict)
    webhook: str | None = None
    interrupt_before: list[str] | str | None = None
    interrupt_after: list[str] | str | None = None
    stream_mode: list[StreamMode] | StreamMode = Field(default_factory=lambda: ["values"])
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    durability: Durability = "async"


class _CronCreateBase(_CronRunFields):
    assistant_id: str = Field(min_length=1)
    schedule: str
    timezone: str | None = None
    end_time: str | None = None
    enabled: bool = True


class CronCreate(_CronCreateBase):
    """`POST /runs/crons`: each firing runs on a new thread."""

    on_run_completed: Literal["delete", "keep"] = "delete"


class ThreadCronCreate(_CronCreateBase):
    """`POST /threads/{thread_id}/runs/crons`: each firing runs on the thread."""

    multitask_strategy: MultitaskStrategy = "enqueue"


class CronPatch(_CronRunFields):
    schedule: str | None = None
    timezone: str | None = None
    end_time: str | None = None
    on_run_completed: Literal["delete", "keep"] | None = None
    enabled: bool | None = None


class CronSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str | None = None
    thread_id: str | None = None
    enabled: bool | None = None
    metadata: Metadata | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: CronSortBy = "created_at"
    sort_order: SortOrder = "desc"
    select: list[Literal[CRON_FIELDS]] | None = None  # type: ignore[valid-type]


class CronCount(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str | None = None
    thread_id: str | None = None
    metadata: Metadata | None = None
