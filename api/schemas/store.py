"""Request bodies of the store endpoints (the official `StorePutRequest`, `StoreSearchRequest`, ...)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class StorePut(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: list[str]
    key: str
    value: dict[str, Any]
    # None: the store's index settings; False: not indexed; else the fields to index.
    index: Literal[False] | list[str] | None = None
    ttl: float | None = Field(default=None, description="Minutes until the item expires; None: never.")


class StoreDelete(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace: list[str] | None = None
    key: str


class StoreSearch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    namespace_prefix: list[str] | None = None
    filter: dict[str, Any] | None = None
    limit: int = Field(default=10, ge=0)
    offset: int = Field(default=0, ge=0)
    query: str | None = None
    refresh_ttl: bool | None = None


class StoreListNamespaces(BaseModel):
    model_config = ConfigDict(extra="ignore")

    prefix: list[str] | None = None
    suffix: list[str] | None = None
    max_depth: int | None = Field(default=None, ge=1)
    limit: int = Field(default=100, ge=0)
    offset: int = Field(default=0, ge=0)


class StoreItem(BaseModel):
    namespace: list[str]
    key: str
    value: dict[str, Any]
    created_at: str
    updated_at: str


class StoreSearchItem(StoreItem):
    score: float | None = None
