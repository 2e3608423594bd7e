"""Assistant schemas (the official `Assistant`, `AssistantCreate`, `AssistantPatch`, searches)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import IfExists, Metadata, SortOrder

AssistantField = Literal[
    "assistant_id", "graph_id", "name", "description", "config", "context", "created_at", "updated_at",
    "metadata", "version",
]


class Assistant(BaseModel):
    assistant_id: str
    graph_id: str
    config: Metadata
    context: Metadata
    created_at: str
    updated_at: str
    metadata: Metadata
    version: int
    name: str
    description: str | None = None


class AssistantVersion(BaseModel):
    assistant_id: str
    graph_id: str
    config: Metadata
    context: Metadata
    created_at: str
    metadata: Metadata
    version: int
    name: str
    description: str | None = None


class AssistantCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph_id: str = Field(min_length=1)
    assistant_id: str | None = None
    config: Metadata = Field(default_factory=dict)
    context: Metadata = Field(default_factory=dict)
    metadata: Metadata = Field(default_factory=dict)
    if_exists: IfExists = "raise"
    name: str | None = None
    description: str | None = None


class AssistantPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    graph_id: str | None = Field(default=None, min_length=1)
    config: Metadata | None = None
    context: Metadata | None = None
    metadata: Metadata | None = None
    name: str | None = None
    description: str | None = None


class AssistantSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: Literal["assistant_id", "created_at", "updated_at", "name", "graph_id"] = "created_at"
    sort_order: SortOrder = "desc"
    select: list[AssistantField] | None = None


class AssistantCountRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)
    graph_id: str | None = None
    name: str | None = None


class AssistantVersionsSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)


class AssistantSetLatest(BaseModel):
    """The SDK sends the version in the body; the reference also documents it as a query parameter."""

    model_config = ConfigDict(extra="ignore")

    version: int | None = Field(default=None, ge=1)
