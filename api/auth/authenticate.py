"""`@auth.authenticate` in front of the API: every request (and WebSocket handshake) but the meta
routes is given to the project's handler, with the parameters it names; what it returns is the
request's `Caller` (api/auth/authorize.py), and what it raises is the answer.

As on the official server: `Auth.exceptions.HTTPException` answers with its status and its detail
as `{"detail"}` (a WebSocket handshake is refused); `/ok`, `/info`,
`/metrics`, `/docs` and `/openapi.json` are not authenticated; the user may be a string identity,
a dict with `identity`, or an object with one, and its permissions come from a `(permissions,
user)` tuple or the user's own `permissions`. Browser preflights are answered before this (CORS is
outermost, api/app.py).
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from langgraph_sdk import Auth
from starlette._utils import get_route_path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from activities.auth_user import AuthUser, user_data
from api.auth.authorize import Caller, current_caller, unauthenticated_request
from api.auth.project import ProjectAuth

log = logging.getLogger("agent_server.api")

OPEN_PATHS = frozenset({"/ok", "/info", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


class AuthenticationFailed(Exception):
    def __init__(self, status_code: int, detail: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status_code, self.detail, self.headers = status_code, detail, dict(headers or {})


def _arguments(scope: dict[str, Any], names: frozenset[str], body: Any) -> dict[str, Any]:
    headers = {k: v for k, v in scope.get("headers") or ()}
    method = scope.get("method", "GET") if scope["type"] == "http" else "GET"
    given: dict[str, Callable[[], Any]] = {
        "scope": lambda: scope,
        "path": lambda: scope["path"],
        "method": lambda: method,
        "headers": lambda: headers,
        "authorization": lambda: (headers.get(b"authorization") or b"").decode("latin-1") or None,
        "query_params": lambda: QueryParams(scope.get("query_string") or b""),
        "path_params": lambda: scope.get("path_params") or {},
        "scopes": lambda: [],
        "user": lambda: None,
        "body": lambda: body,
    }
    return {name: given[name]() for name in names if name in given}


def _caller(response: Any) -> Caller:
    if isinstance(response, tuple):
        if len(response) != 2:
            raise ValueError(f"the auth handler returned a tuple of {len(response)}; expected (permissions, user)")
        permissions, user = response
    elif isinstance(response, Mapping):
        permissions, user = response.get("permissions") or [], response
    else:
        permissions, user = getattr(response, "permissions", None) or [], response
    data = user_data(user)
    data.setdefault("permissions", list(permissions))
    return Caller(AuthUser(data), tuple(str(p) for p in permissions))


class AuthMiddleware:
    """Runs the project's `@auth.authenticate` for each request and keeps its caller for the request."""

    def __init__(
        self, app: Callable[..., Awaitable[None]], project: ProjectAuth, open_route: Callable[[dict[str, Any]], bool] | None = None
    ) -> None:
        self.app = app
        self.project = project
        self._open_route = open_route  # requests it lets through unauthenticated (the project's own routes)
        handler = project.auth._authenticate_handler
        assert handler is not None
        self._handler = handler if inspect.iscoroutinefunction(handler) else functools.partial(run_in_threadpool, handler)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if (
            get_route_path(scope) in OPEN_PATHS  # (below a mount prefix too)
            or (self._open_route is not None and self._open_route(scope))
        ):
            token = unauthenticated_request.set(True)
            try:
                await self.app(scope, receive, send)
            finally:
                unauthenticated_request.reset(token)
            return
        if "request" in self.project.parameters and scope["type"] == "websocket":
            caller: Caller | AuthenticationFailed = AuthenticationFailed(
                403, "The auth handler takes `request`, which a WebSocket does not have: name `headers`, `authorization` or `scope` instead"
            )
        else:
            receive, body = await self._body(scope, receive)
            caller = await self._authenticate(scope, receive, body)
        if isinstance(caller, AuthenticationFailed):
            await self._refuse(scope, send, caller)
            return
        token = current_caller.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            current_caller.reset(token)

    async def _body(self, scope: dict[str, Any], receive: Any) -> tuple[Any, Any]:
        """The request body when the handler names `body` (read here, then replayed to the route)."""
        if "body" not in self.project.parameters or scope["type"] != "http":
            return receive, None
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        raw = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": raw, "more_body": False}
            return await receive()

        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        return replay, body

    async def _authenticate(self, scope: dict[str, Any], receive: Any, body: Any) -> Caller | AuthenticationFailed:
        arguments = _arguments(scope, self.project.parameters, body)
        if "request" in self.project.parameters:
            arguments["request"] = Request(scope, receive)
        try:
            return _caller(await self._handler(**arguments))
        except Auth.exceptions.HTTPException as exc:
            # Its status and detail are the answer (the official server turns a status other than
            # 401 or 403 into a bare 500; the handler's own answer is the one a client can act on).
            return AuthenticationFailed(exc.status_code, str(exc.detail), exc.headers)
        except HTTPException as exc:
            return AuthenticationFailed(exc.status_code, str(exc.detail), exc.headers)
        except ValueError as exc:
            log.error("the auth handler's answer is not a user: %s", exc)
            return AuthenticationFailed(500, f"The auth handler's answer is not a user: {exc}")
        except Exception:
            log.exception("the auth handler failed on %s", scope["path"])
            return AuthenticationFailed(500, "The auth handler failed; see the server log.")

    async def _refuse(self, scope: dict[str, Any], send: Any, failed: AuthenticationFailed) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": failed.detail[:120]})
            return
        response = JSONResponse({"detail": failed.detail}, status_code=failed.status_code, headers=failed.headers or None)
        await response(scope, None, send)
