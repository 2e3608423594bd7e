"""Thread and thread-state schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import IfExists, Json, Metadata, SortOrder, ThreadStatus

ThreadField = Literal[
    "thread_id", "created_at", "updated_at", "state_updated_at", "metadata", "config", "status", "values",
    "interrupts", "error", "ttl",
]


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
    ttl: Json = None


class ThreadTTL(BaseModel):
    """Delete the thread `ttl` minutes after its last update (the official TTL; `delete` is the only strategy)."""

    model_config = ConfigDict(extra="ignore")

    ttl: float = Field(gt=0, description="minutes")
    strategy: Literal["delete"] = "delete"


class StateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    values: Json = None
    command: Json = None
    as_node: str = Field(min_length=1)


class Superstep(BaseModel):
    model_config = ConfigDict(extra="ignore")

    updates: list[StateUpdate] = Field(min_length=1)


class ThreadCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = None
    metadata: Metadata = Field(default_factory=dict)
    if_exists: IfExists = "raise"
    ttl: ThreadTTL | None = None
    supersteps: list[Superstep] | None = None


class ThreadPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata | None = None
    ttl: ThreadTTL | None = None


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
    select: list[ThreadField] | None = None
    # alias -> dotted path into the thread (e.g. "values.messages"); results land in `extracted`.
    extract: dict[str, str] | None = None


class ThreadCountRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)
    values: Metadata = Field(default_factory=dict)
    status: ThreadStatus | None = None


class ThreadPruneRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_ids: list[str] = Field(max_length=1000)
    strategy: Literal["delete", "keep_latest"] = "delete"


class CheckpointConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = None
    checkpoint_ns: str | None = ""
    checkpoint_id: str | None = None
    checkpoint_map: Metadata | None = None


class ThreadState(BaseModel):
    values: Json
    next: list[str]
    tasks: list[Metadata] = Field(default_factory=list)
    checkpoint: CheckpointConfig | None = None
    metadata: Metadata | None = Field(default_factory=dict)
    created_at: str | None = None
    parent_checkpoint: CheckpointConfig | None = None
    interrupts: list[Metadata] = Field(default_factory=list)
    checkpoint_id: str | None = None
    parent_checkpoint_id: str | None = None


class ThreadStateUpdate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    values: Json = None
    checkpoint: CheckpointConfig | None = None
    checkpoint_id: str | None = None
    as_node: str | None = None


class ThreadStateCheckpointRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    checkpoint: CheckpointConfig
    subgraphs: bool = False


class ThreadStateSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # The official default is the latest checkpoint only (the SDKs send their own limit of 10).
    limit: int = Field(default=1, ge=1, le=1000)
    before: CheckpointConfig | str | None = None
    metadata: Metadata | None = None
    checkpoint: CheckpointConfig | None = None
