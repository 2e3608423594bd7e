"""The API key mode: for deployments without custom auth, every route but `/ok` demands a key.
(With custom auth, `auth.path` in langgraph.json, its handler decides instead: api/auth/.)

Clients send it as `x-api-key` (the official SDKs do, from `LANGGRAPH_API_KEY` or `api_key=`), or
as `Authorization: Bearer <key>`. Keys are `API_KEYS` (comma-separated, so a key can be rotated).
`agent-server api` bound to an address other than loopback turns the mode on by itself: with no
`API_KEYS` it makes one, keeps it in `<DATA_DIR>/api-key` (mode 600) and says where; `API_AUTH=off`
serves the API open on purpose. Every start says which it is (`access_policy`).

A pure ASGI middleware, so WebSockets (the thread protocol's socket) are checked too; inside CORS,
so a browser's preflight (which carries no custom headers) is answered first.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OPEN_PATHS = frozenset({"/ok"})
MISSING_KEY = "Missing or invalid API key: send it in the x-api-key header (or as Authorization: Bearer <key>)"
KEY_FILE = "api-key"

Scope = dict[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[dict[str, Any]]], Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere


@dataclass(frozen=True)
class AccessPolicy:
    keys: tuple[str, ...]
    message: str


def configured_keys(api_keys: str) -> tuple[str, ...]:
    """`API_KEYS`: comma-separated, blanks ignored."""
    return tuple(k.strip() for k in api_keys.split(",") if k.strip())


def access_policy(host: str, configured: str, api_auth: str, data_dir: Path, custom_auth: str | None = None) -> AccessPolicy:
    """Which keys the API demands (none: open), and the start-up line that says so. With the
    project's own auth (`custom_auth`, its `auth.path`) that handler decides who calls; keys are
    then demanded only when `API_KEYS` names some (both must pass)."""
    keys = configured_keys(configured)
    if custom_auth:
        also = f"; an API key is also required ({len(keys)} key(s) from API_KEYS)" if keys and api_auth.lower() != "off" else ""
        return AccessPolicy(
            keys if api_auth.lower() != "off" else (),
            f"access: the project's auth handler ({custom_auth}) decides who may call, on every route but /ok, /info, /docs, /openapi.json and /metrics{also}",
        )
    if api_auth.lower() == "off":
        return AccessPolicy((), f"access: OPEN to anyone who can reach {host} (API_AUTH=off)")
    if keys:
        return AccessPolicy(keys, f"access: an API key is required (x-api-key; {len(keys)} key(s) from API_KEYS)")
    if is_loopback(host):
        return AccessPolicy((), f"access: open to local clients ({host}); set API_KEYS to require a key")
    key_file = data_dir / KEY_FILE
    if key_file.is_file():
        key = key_file.read_text().strip()
    else:
        key = secrets.token_urlsafe(32)
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(key + "\n")
    return AccessPolicy(
        (key,),
        f"access: bound to {host}, so an API key is required (x-api-key): it is in {key_file.resolve()} "
        "(set API_KEYS to choose keys, API_AUTH=off to serve it open)",
    )


def presented_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    found = None
    for name, value in headers:
        if name == b"x-api-key":
            return value.decode("latin-1").strip()
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            found = value[7:].decode("latin-1").strip()
    return found


def key_accepted(presented: str | None, keys: tuple[str, ...]) -> bool:
    if presented is None:
        return False
    # Every key compared, in constant time: how long the check takes says nothing about the keys.
    return any([hmac.compare_digest(presented.encode(), key.encode()) for key in keys])


class ApiKeyMiddleware:
    def __init__(self, app: ASGIApp, keys: tuple[str, ...]) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or scope.get("path") in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        if key_accepted(presented_key(scope.get("headers") or []), self.keys):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 4401, "reason": "missing or invalid API key"})
            return
        body = json.dumps({"detail": MISSING_KEY}).encode()
        await send({"type": "http.response.start", "status": 401, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"www-authenticate", b'ApiKey header="x-api-key"'),
        ]})
        await send({"type": "http.response.body", "body": body})
