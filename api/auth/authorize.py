"""Who is calling (the request's `Caller`, set by api/auth/authenticate.py) and what the project's
`@auth.on` handlers say about an action.

As on the official server, one handler answers: the most specific of `@auth.on.<resource>.<action>`,
`@auth.on.<resource>`, an action handler, then the global `@auth.on`; no handler means allowed. It
returns None or True (allowed), False (403 Forbidden), or a filter on the metadata of what the
action touches (api/auth/filters.py), which the caller applies: what does not match is treated as
missing (a 404 on reads, left out of searches and counts). It may raise
`Auth.exceptions.HTTPException` (that status and detail) or fail an assertion (403 with its message).
The handler gets the action's `value` dict and may change it in place (e.g. stamp
`value["metadata"]["owner"]`); callers store what it left there.

Runs are actions on their thread (`threads:create_run`, `threads:read`, ...), as on the official server.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from langgraph_sdk import Auth
from starlette.exceptions import HTTPException

from activities.auth_user import PERMISSIONS_KEY, USER_ID_KEY, USER_KEY, AuthUser
from api.auth.filters import validate
from api.errors import DomainError

if TYPE_CHECKING:
    from api.context import AppContext

Filter = dict[str, Any]

# The actions the server asks handlers about, by resource (for the start-up coverage warning).
ACTIONS: dict[str, tuple[str, ...]] = {
    "threads": ("create", "read", "update", "delete", "search", "create_run"),
    "assistants": ("create", "read", "update", "delete", "search"),
    "crons": ("create", "read", "update", "delete", "search"),
    "store": ("put", "get", "search", "list_namespaces", "delete"),
}


class Forbidden(DomainError):
    status_code = 403


@dataclass(frozen=True)
class Caller:
    user: AuthUser
    permissions: tuple[str, ...]

    def run_configurable(self) -> dict[str, Any]:
        """What a run's configurable carries of its caller (the official keys; the user as JSON)."""
        return {USER_KEY: self.user.dict(), USER_ID_KEY: self.user.identity, PERMISSIONS_KEY: list(self.permissions)}


current_caller: ContextVar[Caller | None] = ContextVar("agent_server_caller", default=None)
# Set for a request the auth middleware let through without authenticating (an open or a project
# route): should it reach a decision point all the same, it is refused, not taken for the server's own work.
unauthenticated_request: ContextVar[bool] = ContextVar("agent_server_unauthenticated", default=False)


def caller_of_run(configurable: dict[str, Any]) -> Caller | None:
    """The caller a run was created by, from its configurable (a cron's runs act as its creator)."""
    data = configurable.get(USER_KEY)
    if not isinstance(data, dict) or not isinstance(data.get("identity"), str):
        return None
    return Caller(AuthUser(data), tuple(configurable.get(PERMISSIONS_KEY) or ()))


def _handler(auth: Auth, resource: str, action: str) -> Any:
    for key in ((resource, action), (resource, "*"), ("*", action), ("*", "*")):
        handlers = auth._handlers.get(key)
        if handlers:
            return handlers[-1]  # the last one registered for the same key wins
    return auth._global_handlers[-1] if auth._global_handlers else None


async def authorize(ctx: AppContext, resource: str, action: str, value: dict[str, Any]) -> Filter | None:
    """The filter the handler returns for `resource:action` on `value` (None: no restriction), or
    the handler's refusal raised. Nothing is asked without project auth or a caller (the server's
    own work: sweeps, cascades)."""
    caller = current_caller.get()
    if ctx.auth is not None and caller is None and unauthenticated_request.get():
        raise HTTPException(401, "Not authenticated")
    if ctx.auth is None or caller is None:
        return None
    handler = _handler(ctx.auth.auth, resource, action)
    if handler is None:
        return None
    auth_context = Auth.types.AuthContext(
        user=caller.user, permissions=list(caller.permissions), resource=resource, action=action  # type: ignore[arg-type]
    )
    try:
        result = await handler(ctx=auth_context, value=value)
    except Auth.exceptions.HTTPException as exc:
        raise HTTPException(exc.status_code, exc.detail, headers=dict(exc.headers) if exc.headers else None) from None
    except AssertionError as exc:
        raise Forbidden(str(exc) or "Forbidden") from None
    if result is None or result is True:
        return None
    if result is False:
        raise Forbidden("Forbidden")
    if not isinstance(result, dict):
        raise HTTPException(
            500, f"Auth handler returned invalid result. Expected filter dict, None, or boolean. Got {type(result)} instead."
        )
    validate(result)
    return result or None
