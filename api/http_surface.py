"""Which parts of the API a project serves: `http.disable_*` in `langgraph.json`, as the official
server groups its routes (observed on it: each flag makes its routes 404).

- `disable_assistants`: `/assistants...`.
- `disable_threads`: `/threads` itself, search, count, prune, a thread, its state, history, copy and
  stream (`GET /threads/{id}/stream`); the runs on a thread stay.
- `disable_runs`: every run route (on threads and stateless, their streams and joins), crons, and
  the thread protocol (its commands start runs).
- `disable_event_streaming`: only the thread protocol (`/threads/{id}/commands`, `/stream/events`).
- `disable_store`: `/store...`.
- `disable_meta`: `/info`, `/docs`, `/openapi.json`; `/ok` stays, so an operator can see the server up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter

from activities.graphs import GraphLoadError, read_config

FLAGS = (
    "disable_assistants", "disable_threads", "disable_runs", "disable_store", "disable_meta",
    "disable_event_streaming", "disable_mcp", "disable_a2a", "disable_ui", "disable_webhooks",
)
THREAD_STREAM = "/threads/{thread_id}/stream"


def disabled_parts(config_path: Path) -> frozenset[str]:
    """The `http.disable_*` flags set to true (a non-boolean value is an error that says so)."""
    try:
        http: Any = read_config(config_path).get("http") or {}
    except GraphLoadError:
        return frozenset()
    found = set()
    for flag in FLAGS:
        value = http.get(flag) if isinstance(http, dict) else None
        if value is None:
            continue
        if not isinstance(value, bool):
            raise GraphLoadError(f"langgraph.json http.{flag} must be true or false, got {value!r}")
        if value:
            found.add(flag)
    return frozenset(found)


def only(router: APIRouter, keep: Any) -> APIRouter:
    """A router with the routes of `router` whose path `keep` accepts."""
    kept = APIRouter()
    kept.routes.extend(route for route in router.routes if keep(getattr(route, "path", "")))
    return kept


def mount_prefix(config_path: Path, environ_prefix: str = "") -> str:
    """`http.mount_prefix` (or `MOUNT_PREFIX`): the path the whole API is served under ("" for none).
    It must start with `/` and not end with one, as on the official server."""
    try:
        http: Any = read_config(config_path).get("http") or {}
    except GraphLoadError:
        http = {}
    prefix = (http.get("mount_prefix") if isinstance(http, dict) else None) or environ_prefix or ""
    if not prefix:
        return ""
    if not isinstance(prefix, str) or not prefix.startswith("/") or prefix.endswith("/") or "//" in prefix:
        raise GraphLoadError(f"langgraph.json http.mount_prefix must look like /my-prefix (a leading /, no trailing /), got {prefix!r}")
    return prefix


class MountPrefix:
    """Serves `app` under `prefix` (clients use `http://host/<prefix>` as the API's URL); `/ok` and
    `/metrics` answer unprefixed too, for probes and scrapers, as the official server does."""

    UNPREFIXED = frozenset({"/ok", "/metrics"})

    def __init__(self, app: Any, prefix: str) -> None:
        self.app, self.prefix = app, prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == self.prefix or path.startswith(self.prefix + "/"):
            # Starlette routes on the path below `root_path`, and links (`/docs`) keep the prefix.
            await self.app({**scope, "root_path": scope.get("root_path", "") + self.prefix}, receive, send)
            return
        if path in self.UNPREFIXED:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = b'{"detail":"Not Found"}'
        await send({"type": "http.response.start", "status": 404, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
