"""Run schemas: the run object and the create payloads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import (
    Durability,
    IfNotExists,
    Json,
    StreamMode,
    Metadata,
    MultitaskStrategy,
    OnCompletion,
    RunStatus,
)


class Run(BaseModel):
    run_id: str
    thread_id: str
    assistant_id: str
    created_at: str
    updated_at: str
    status: RunStatus
    metadata: Metadata
    kwargs: Metadata
    multitask_strategy: MultitaskStrategy
    langsmith_session_name: str | None = None


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid")

    update: Json = None
    resume: Json = None
    goto: Json = None


class _RunCreateBase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    assistant_id: str = Field(min_length=1)
    input: Json = None
    command: Command | None = None
    metadata: Metadata = Field(default_factory=dict)
    config: Metadata = Field(default_factory=dict)
    context: Metadata = Field(default_factory=dict)
    webhook: str | None = None
    stream_mode: list[StreamMode] | StreamMode = Field(default_factory=lambda: ["values"])
    stream_subgraphs: bool = False
    stream_resumable: bool = False
    feedback_keys: list[str] | None = None
    interrupt_before: list[str] | str | None = None
    interrupt_after: list[str] | str | None = None
    after_seconds: float | None = Field(default=None, ge=0)
    checkpoint_during: bool = True  # deprecated by `durability`; recorded as the official server does
    durability: Durability = "async"
    on_disconnect: Literal["cancel", "continue"] = "continue"

    @model_validator(mode="after")
    def _input_or_command(self) -> "_RunCreateBase":
        if self.input is not None and self.command is not None:
            raise ValueError("Pass either input or command, not both")
        return self

    @property
    def stream_modes(self) -> list[str]:
        return [self.stream_mode] if isinstance(self.stream_mode, str) else list(self.stream_mode)


class RunCreateStateful(_RunCreateBase):
    checkpoint: Metadata | None = None
    checkpoint_id: str | None = None
    multitask_strategy: MultitaskStrategy = "enqueue"
    if_not_exists: IfNotExists = "reject"


class RunCreateStateless(_RunCreateBase):
    on_completion: OnCompletion = "delete"
    if_not_exists: IfNotExists = "create"


class RunsCancel(BaseModel):
    """`POST /runs/cancel`: runs by id (on one thread), or every run with a status."""

    model_config = ConfigDict(extra="ignore")

    thread_id: str | None = None
    run_ids: list[str] | None = None
    status: Literal["pending", "running", "all"] | None = None

    @model_validator(mode="after")
    def _ids_or_status(self) -> "RunsCancel":
        if self.run_ids and self.status:
            raise ValueError("Pass either run_ids (with thread_id) or status, not both")
        if self.run_ids and not self.thread_id:
            raise ValueError("run_ids need the thread_id they belong to")
        if not self.run_ids and not self.status:
            raise ValueError("Pass run_ids (with thread_id) or a status")
        return self


CancelAction = Literal["interrupt", "rollback"]
