"""`http.app` in `langgraph.json`: the project's own FastAPI or Starlette app, served with ours.

Its routes come first, so where a route of ours has the same path and method, the project's wins
(as on the official server); whatever matches none of them falls through to ours (a catch-all
`Mount` at the end of its router). Its middleware therefore runs for every request, and its
lifespan runs inside ours. The access check (API keys) and CORS stay outermost (api/app.py), so
custom routes are behind the same key as the rest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Match, Mount

from activities.graphs import GraphLoadError, project_object, read_config


def project_http_app(config_path: Path) -> Starlette | None:
    """The project's `http.app`, loaded as its graphs are; None when it names none."""
    http = read_config(config_path).get("http") or {}
    location = http.get("app") if isinstance(http, dict) else None
    if not location:
        return None
    app = project_object(config_path, str(location), label="http.app")
    if not isinstance(app, Starlette):
        raise GraphLoadError(
            f"http.app ({location}): expected a FastAPI or Starlette app, got {type(app).__name__}"
        )
    return app


def with_custom_routes(custom: Starlette, ours: Starlette, served: Any = None) -> Starlette:
    """`custom` serving its routes and then, for everything else, `ours` (through `served`, when
    something wraps it: the auth check), whose lifespan runs around the project's."""
    custom.router.routes.append(Mount("/", app=served if served is not None else ours))
    their_lifespan = custom.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[Any]:
        async with ours.router.lifespan_context(ours), their_lifespan(app) as state:
            yield state

    custom.router.lifespan_context = lifespan
    return custom


def is_custom_route(custom: Starlette) -> Any:
    """Whether a request is for one of the project's own routes (not the catch-all to ours)."""
    own = [route for route in custom.router.routes if not (isinstance(route, Mount) and route.path == "")]

    def matches(scope: dict[str, Any]) -> bool:
        # FULL only: a PARTIAL match (the path, another method) is ours to serve, and to authenticate.
        return any(route.matches(scope)[0] == Match.FULL for route in own)

    return matches
