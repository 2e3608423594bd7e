"""`http.configurable_headers` in `langgraph.json`: request headers copied into a run's
`config.configurable`, as the official server does (`{"includes": [...], "excludes": [...]}`,
patterns with `*` as the only wildcard; an exclude wins). Without the setting no header is copied.
Credentials never are: `authorization`, `x-api-key`, `x-service-key`, `x-tenant-id`.

The request's headers reach `create_run` through a context variable that a small ASGI middleware
sets for each request (runs are created from several routes and from the thread protocol).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activities.graphs import GraphLoadError, read_config

NEVER = frozenset({"authorization", "x-api-key", "x-service-key", "x-tenant-id"})
request_headers: ContextVar[tuple[tuple[bytes, bytes], ...]] = ContextVar("agent_server_request_headers", default=())


def _pattern(text: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else re.escape(c) for c in text.lower()) + r"\Z", re.S)


@dataclass(frozen=True)
class HeaderPolicy:
    includes: tuple[re.Pattern[str], ...] = ()
    excludes: tuple[re.Pattern[str], ...] = ()

    def copied(self, headers: tuple[tuple[bytes, bytes], ...]) -> dict[str, str]:
        if not self.includes:
            return {}
        out: dict[str, str] = {}
        for raw_name, raw_value in headers:
            name = raw_name.decode("latin-1").lower()
            if name in NEVER or any(p.match(name) for p in self.excludes):
                continue
            if any(p.match(name) for p in self.includes):
                out[name] = raw_value.decode("latin-1")
        return out


def project_header_policy(config_path: Path) -> HeaderPolicy:
    http: Any = read_config(config_path).get("http") or {}
    section = http.get("configurable_headers") if isinstance(http, dict) else None
    if section is None:
        return HeaderPolicy()
    if not isinstance(section, dict):
        raise GraphLoadError(f"langgraph.json http.configurable_headers must be an object with includes/excludes, got {section!r}")
    lists = {}
    for key in ("includes", "excludes"):
        values = section.get(key) or section.get(key[:-1]) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise GraphLoadError(f"langgraph.json http.configurable_headers.{key} must be a list of header patterns, got {values!r}")
        lists[key] = tuple(_pattern(v) for v in values)
    return HeaderPolicy(lists["includes"], lists["excludes"])


class RequestHeaders:
    """Keeps the request's headers in `request_headers` while the request is served."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        token = request_headers.set(tuple(scope.get("headers") or ()))
        try:
            await self.app(scope, receive, send)
        finally:
            request_headers.reset(token)
