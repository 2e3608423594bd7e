"""Thread and thread-state schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import IfExists, Json, Metadata, SortOrder, ThreadStatus


class Thread(BaseModel):
    thread_id: str
    created_at: str
    updated_at: str
    state_updated_at: str | None = None
    metadata: Metadata
    config: Metadata = Field(default_factory=dict)
    status: ThreadStatus
    values: Json = None
    interrupts: Metadata = Field(default_factory=dict)
    error: Json = None


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = None
    metadata: Metadata = Field(default_factory=dict)
    if_exists: IfExists = "raise"
    ttl: Json = None
    supersteps: list[Json] | None = None


class ThreadSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ids: list[str] | None = None
    metadata: Metadata = Field(default_factory=dict)
    values: Metadata = Field(default_factory=dict)
    status: ThreadStatus | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: Literal["thread_id", "status", "created_at", "updated_at", "state_updated_at"] = "created_at"
    sort_order: SortOrder = "desc"
    select: list[str] | None = None


class CheckpointConfig(BaseModel):
    thread_id: str | None = None
    checkpoint_ns: str | None = ""
    checkpoint_id: str | None = None
    checkpoint_map: Metadata | None = None


class ThreadState(BaseModel):
    values: Json
    next: list[str]
    tasks: list[Metadata] = Field(default_factory=list)
    checkpoint: CheckpointConfig | None = None
    metadata: Metadata = Field(default_factory=dict)
    created_at: str | None = None
    parent_checkpoint: CheckpointConfig | None = None
    interrupts: list[Metadata] = Field(default_factory=list)
