"""The project's `auth` section of `langgraph.json`, loaded once at start-up.

`path` names a `langgraph_sdk.Auth` object (`./auth.py:auth` or `package.module:auth`, found as
graphs are); it must have an `@auth.authenticate` handler, whose parameters are checked here so a
typo fails the start-up and not every request. `openapi` changes the published spec only
(api/auth/openapi.py). `disable_studio_auth` is accepted: this server has no LangSmith Studio login
to disable, so every request goes through the project's handler either way.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph_sdk import Auth

from activities.graphs import GraphLoadError, project_object, read_config
from api.auth.authorize import ACTIONS

log = logging.getLogger("agent_server.api")

# What `@auth.authenticate` may ask for by naming a parameter (as the official server offers).
AUTHENTICATE_PARAMETERS = (
    "request", "body", "user", "path", "method", "scopes", "path_params", "query_params", "headers",
    "authorization", "scope",
)


@dataclass(frozen=True)
class ProjectAuth:
    auth: Auth
    parameters: frozenset[str]  # the ones `@auth.authenticate` names
    openapi: dict[str, Any] | None = None
    # `http.enable_custom_route_auth`: the project's own routes (`http.app`) are authenticated too.
    custom_routes: bool = False
    # `http.middleware_order`: "auth_first" authenticates before the project's middleware runs.
    middleware_order: str = "middleware_first"


def _parameters(fn: Any) -> frozenset[str]:
    signature = inspect.signature(fn)
    unsupported = [
        name for name, p in signature.parameters.items()
        if name not in AUTHENTICATE_PARAMETERS and p.default is p.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]
    if unsupported:
        raise GraphLoadError(
            f"auth: the @auth.authenticate handler {fn.__name__} has parameters this server cannot give: "
            f"{', '.join(unsupported)}; it may name any of: {', '.join(AUTHENTICATE_PARAMETERS)}"
        )
    return frozenset(name for name in signature.parameters if name in AUTHENTICATE_PARAMETERS)


def _middleware_order(value: Any) -> str:
    if value is None:
        return "middleware_first"
    if value not in ("middleware_first", "auth_first"):
        raise GraphLoadError(f"langgraph.json http.middleware_order must be \"middleware_first\" or \"auth_first\", got {value!r}")
    return str(value)


def project_auth(config_path: Path) -> ProjectAuth | None:
    """The project's auth, or None when `langgraph.json` has no `auth.path`."""
    config = read_config(config_path)
    section = config.get("auth")
    if section is None:
        return None
    if isinstance(section, str):
        section = {"path": section}
    if not isinstance(section, dict):
        raise GraphLoadError(f"langgraph.json auth must be an object with a `path`, got {section!r}")
    location = section.get("path")
    if not location:
        if section.get("openapi"):
            log.warning("langgraph.json auth has an `openapi` section but no `path`: no request is authenticated")
        return None
    if ":" not in str(location):
        raise GraphLoadError(f"auth.path ({location}): expected './path/to/file.py:name' or 'module:name'")
    auth = project_object(config_path, str(location), label="auth.path")
    if not isinstance(auth, Auth):
        raise GraphLoadError(f"auth.path ({location}): expected a langgraph_sdk.Auth object, got {type(auth).__name__}")
    if auth._authenticate_handler is None:
        raise GraphLoadError(
            f"auth.path ({location}): the Auth object has no @auth.authenticate handler, so no request could be "
            "let in; add one (`@auth.authenticate async def authenticate(authorization: str): ...`)"
        )
    http = config.get("http") if isinstance(config.get("http"), dict) else {}
    openapi = section.get("openapi")
    project = ProjectAuth(
        auth=auth,
        parameters=_parameters(auth._authenticate_handler),
        openapi=openapi if isinstance(openapi, dict) else None,
        custom_routes=bool(http.get("enable_custom_route_auth")),
        middleware_order=_middleware_order(http.get("middleware_order")),
    )
    _warn_uncovered(project)
    return project


def _warn_uncovered(project: ProjectAuth) -> None:
    """Actions no handler covers are allowed for every authenticated user (as on the official
    server): say so once, at start-up, when the project has handlers at all."""
    auth = project.auth
    if auth._global_handlers or not auth._handlers or ("*", "*") in auth._handlers:
        return
    keys = auth._handlers
    missing = sorted(
        f"{resource}.{action}"
        for resource, actions in ACTIONS.items()
        for action in actions
        if not {(resource, action), (resource, "*"), ("*", action)} & set(keys)
    )
    if missing:
        log.warning(
            "auth: no @auth.on handler covers %s; those requests are allowed for any authenticated user "
            "(add a default `@auth.on` handler that returns False to deny them)", ", ".join(missing),
        )
