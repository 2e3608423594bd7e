"""Assistant schemas."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Metadata, SortOrder


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


class AssistantSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    metadata: Metadata = Field(default_factory=dict)
    graph_id: str | None = None
    name: str | None = None
    limit: int = Field(default=10, ge=1, le=1000)
    offset: int = Field(default=0, ge=0)
    sort_by: Literal["assistant_id", "created_at", "updated_at", "name", "graph_id"] = "created_at"
    sort_order: SortOrder = "desc"
    select: list[str] | None = None


