"""The FastAPI application: `create_app(settings)` and its lifespan; `serve_app` is what is served."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from activities.client import connect
from activities.graphs import load_graphs
from activities.settings import Settings, get_settings
from activities.storage import Database
from activities.storage.store import project_store_settings, use_process_store
from activities.webhooks import project_webhook_policy
from api.api_keys import ApiKeyMiddleware, configured_keys
from api.auth.authenticate import AuthMiddleware
from api.auth.openapi import with_auth_section
from api.auth.project import ProjectAuth, project_auth
from api.context import AppContext
from api.configurable_headers import RequestHeaders, project_header_policy
from api.cors import cors_options
from api.custom_routes import is_custom_route, project_http_app, with_custom_routes
from api.errors import install_error_handlers
from api.http_surface import THREAD_STREAM, MountPrefix, disabled_parts, mount_prefix, only
from api.limits import BodySizeLimit
from api.metrics import HttpMetrics
from api.routes import a2a, assistants, crons, mcp, runs, store, streams, system, thread_protocol, threads
from api.services.assistants import register_default_assistants
from api.services.housekeeping import sweep_forever

log = logging.getLogger("agent_server.api")


def serve_app(settings: Settings | None = None, api_keys: tuple[str, ...] | None = None) -> Any:
    """What the server serves: our API behind the project's auth (`auth.path`, api/auth/), after
    the project's own routes (`http.app`, api/custom_routes.py), behind the API key check and CORS. `api_keys` (the start-up's access
    policy, api/api_keys.py; `API_KEYS` when omitted): the keys every route but `/ok` demands."""
    settings = settings or get_settings()
    if api_keys is None:
        api_keys = configured_keys(settings.api_keys)
    auth = project_auth(settings.langgraph_config)
    ours = create_app(settings, auth=auth)
    app: Any = ours
    custom = project_http_app(settings.langgraph_config)
    # Where the project's auth goes (`http.middleware_order`, `http.enable_custom_route_auth`): by
    # default after the project's middleware, on our routes only, as on the official server.
    auth_first = custom is not None and auth is not None and (auth.middleware_order == "auth_first" or auth.custom_routes)
    if auth is not None and not auth_first:
        app = _guarded(AuthMiddleware(app, auth), auth, settings)
    if custom is not None:
        app = with_custom_routes(custom, ours, served=app)
    if auth is not None and auth_first:
        app = _guarded(AuthMiddleware(app, auth, open_route=None if auth.custom_routes else is_custom_route(custom)), auth, settings)
    prefix = mount_prefix(settings.langgraph_config, settings.mount_prefix)
    if prefix:
        app = MountPrefix(app, prefix)
    if api_keys:
        app = ApiKeyMiddleware(app, keys=api_keys)
    # Outermost, so a browser's preflight is answered before anything else reads the request.
    return CORSMiddleware(app, **cors_options(settings.cors_allow_origins, settings.langgraph_config))


def _guarded(app: Any, auth: ProjectAuth, settings: Settings) -> Any:
    """An authenticate handler that takes `body` reads it before our routes do: limited as theirs is."""
    return BodySizeLimit(app, max_bytes=settings.max_body_bytes) if "body" in auth.parameters else app


def create_app(settings: Settings | None = None, auth: ProjectAuth | None = None) -> FastAPI:
    """Our API for `settings` (from the environment when omitted); `auth`: the project's, whose
    `@auth.on` handlers the services ask (the caller is authenticated in front, by serve_app)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        graphs = load_graphs(settings.langgraph_config)
        db = await Database(settings.database_url, store=project_store_settings(settings.langgraph_config)).open()
        use_process_store(db.store)  # graph factories called here get it as `ServerRuntime.store`
        try:
            client = await connect(settings, db)
            context = AppContext(
                settings=settings, db=db, client=client, graphs=graphs,
                webhooks=project_webhook_policy(settings.langgraph_config),
                headers=project_header_policy(settings.langgraph_config),
                auth=auth,
            )
            await register_default_assistants(context)
            app.state.context = context
            sweeper = asyncio.create_task(sweep_forever(context), name="sweeper")
            store_sweeps = db.store_settings.sweep_interval_minutes
            if store_sweeps:  # expired store items; LangGraph's store runs the loop
                await db.store.start_ttl_sweeper(store_sweeps)  # type: ignore[union-attr]
            log.info("API ready: graphs %s, database %s", sorted(graphs), settings.database_url.split("@")[-1])
            yield
            sweeper.cancel()
            if store_sweeps:
                await db.store.stop_ttl_sweeper(timeout=5)  # type: ignore[union-attr]
        finally:
            await db.close()

    off = disabled_parts(settings.langgraph_config)
    meta = "disable_meta" not in off
    app = FastAPI(
        title="temporal-agent-server",
        description="LangGraph Platform compatible API; every run is a durable Temporal workflow.",
        version="0.1.0",
        lifespan=lifespan,
        **({} if meta else {"docs_url": None, "redoc_url": None, "openapi_url": None}),
    )
    if auth is not None and auth.openapi:
        from fastapi.openapi.utils import get_openapi

        def openapi() -> dict[str, Any]:
            if app.openapi_schema is None:
                spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
                app.openapi_schema = with_auth_section(spec, auth.openapi or {})
            return app.openapi_schema

        app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HttpMetrics)
    app.add_middleware(RequestHeaders)
    install_error_handlers(app)
    app.include_router(system.router if meta else only(system.router, lambda path: path == "/ok"))
    if "disable_assistants" not in off:
        app.include_router(assistants.router)
    if "disable_threads" not in off:
        app.include_router(threads.router)
        app.include_router(only(streams.router, lambda path: path == THREAD_STREAM))
    if "disable_runs" not in off:
        if "disable_event_streaming" not in off:
            app.include_router(thread_protocol.router)
        for module in (crons, runs):
            app.include_router(module.router)
        app.include_router(only(streams.router, lambda path: path != THREAD_STREAM))
    if "disable_store" not in off:
        app.include_router(store.router)
    if "disable_mcp" not in off:
        app.include_router(mcp.router)
    if "disable_a2a" not in off:
        app.include_router(a2a.router)
    return app
