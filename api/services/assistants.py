"""Assistants: CRUD with versions, search and count, and what the graph behind one looks like."""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any
from uuid import UUID

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from activities.factories import READ_ASSISTANT
from activities.storage import AssistantRow
from activities.storage import queries
from api.auth.authorize import authorize, current_caller
from api.auth.filters import matches
from api.context import AppContext
from api.errors import (
    BadRequest,
    Conflict,
    DomainError,
    InvalidRequest,
    NotFound,
    assistant_not_found,
    assistant_to_delete_not_found,
)
from api.schemas.assistants import (
    AssistantCountRequest,
    AssistantCreate,
    AssistantPatch,
    AssistantSearchRequest,
    AssistantVersionsSearchRequest,
)
from api.services.pagination import Page, page_of
from api.services.serialize import assistant_to_wire, select_fields, version_to_wire
from api.services.threads import delete_thread, thread_ids_of_assistant
from workflows.types import uuid7

log = logging.getLogger("agent_server.api")

CONTEXT_AND_CONFIGURABLE = (
    "Cannot specify both configurable and context. Prefer setting context alone: context was "
    "introduced in LangGraph 0.6.0 and replaces configurable."
)


async def register_default_assistants(ctx: AppContext) -> None:
    """One system assistant per graph of `langgraph.json` (idempotent at every start)."""
    async with ctx.db.session() as session:
        for spec in ctx.graphs.values():
            await queries.upsert_default_assistant(
                session, spec.assistant_id, spec.graph_id, spec.assistant_name, spec.description
            )


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _require_graph(ctx: AppContext, graph_id: str) -> None:
    if graph_id not in ctx.graphs:
        raise NotFound(f"Graph '{graph_id}' not found. Expected one of: {sorted(ctx.graphs)}")


def mirror_context(config: dict[str, Any], context: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """`context` and `config.configurable` carry the same values; sending both is a 400."""
    configurable = config.get("configurable") or {}
    if configurable and context:
        raise BadRequest(CONTEXT_AND_CONFIGURABLE)
    if context:
        return {**config, "configurable": dict(context)}, dict(context)
    if configurable:
        return config, dict(configurable)
    return config, {}


async def resolve_assistant(
    ctx: AppContext,
    assistant_id_or_graph: str,
    *,
    servable: bool = True,
    by_graph: bool = True,
    missing: Callable[[str], NotFound] | None = None,
) -> AssistantRow:
    """An assistant by id, or (`by_graph`, as runs take it) a graph's default assistant by graph id.

    What is neither a UUID nor a graph id is a 422 (the official answer); a UUID no assistant has is
    the 404 `missing` makes (the bare official one by default)."""
    if not _is_uuid(assistant_id_or_graph):
        spec = ctx.graphs.get(assistant_id_or_graph) if by_graph else None
        if spec is None:
            raise InvalidRequest(
                f"assistant_id must be an assistant's UUID{' or a graph id' if by_graph else ''}, got "
                f"{assistant_id_or_graph!r}" + (f" (graphs: {', '.join(sorted(ctx.graphs))})" if by_graph else "")
            )
        assistant_id_or_graph = spec.assistant_id
    async with ctx.db.session() as session:
        row = await queries.get_assistant(session, assistant_id_or_graph)
    if row is None:
        raise (missing or (lambda _id: assistant_not_found()))(assistant_id_or_graph)
    if servable and row.graph_id not in ctx.graphs:
        raise NotFound(f"Assistant '{row.assistant_id}' uses graph '{row.graph_id}', which this server does not serve")
    return row


async def _authorized(
    ctx: AppContext, assistant_id: str, action: str, missing: Callable[[str], NotFound], value: dict[str, Any] | None = None,
    **resolving: Any,
) -> AssistantRow:
    """The assistant, if the caller may do `action` on it: one the project's handler filters out is
    missing to the caller (the same 404), as on the official server."""
    found = await authorize(ctx, "assistants", action, value or {"assistant_id": assistant_id})
    row = await resolve_assistant(ctx, assistant_id, **{"servable": False, "by_graph": False, **resolving}, missing=missing)
    if not matches(row.meta, found):
        raise missing(assistant_id)
    return row


async def get_assistant(ctx: AppContext, assistant_id: str) -> dict[str, Any]:
    return assistant_to_wire(await _authorized(ctx, assistant_id, "read", lambda _id: assistant_not_found()))


async def create_assistant(ctx: AppContext, request: AssistantCreate) -> dict[str, Any]:
    _require_graph(ctx, request.graph_id)
    config, context = mirror_context(request.config, request.context)
    assistant_id = uuid7()
    if request.assistant_id is not None:
        if not _is_uuid(request.assistant_id):
            raise InvalidRequest(f"assistant_id must be a UUID, got {request.assistant_id!r}")
        assistant_id = str(UUID(request.assistant_id))
    # The project's handler may stamp the metadata, config or context: what it leaves is stored.
    asked = {
        "assistant_id": assistant_id, "graph_id": request.graph_id, "config": config, "context": context,
        "metadata": dict(request.metadata), "name": request.name,
    }
    found = await authorize(ctx, "assistants", "create", asked)
    async with ctx.db.session() as session:
        existing = await queries.get_assistant(session, assistant_id)
        if existing is not None:
            if request.if_exists == "do_nothing" and matches(existing.meta, found):
                return assistant_to_wire(existing)
            raise Conflict(f"Assistant {assistant_id} already exists")
        row = await queries.insert_assistant(
            session,
            AssistantRow(
                assistant_id=assistant_id,
                graph_id=request.graph_id,
                name=request.name or "Untitled",
                description=request.description,
                config=asked["config"],
                context=asked["context"],
                meta=dict(asked["metadata"] or {}),
            ),
        )
    return assistant_to_wire(row)


async def update_assistant(ctx: AppContext, assistant_id: str, patch: AssistantPatch) -> dict[str, Any]:
    """Each update is a new version; metadata merges into the current one, other fields replace."""
    if patch.graph_id is not None:
        _require_graph(ctx, patch.graph_id)
    asked = {
        "assistant_id": assistant_id, "graph_id": patch.graph_id, "config": patch.config, "context": patch.context,
        "metadata": dict(patch.metadata or {}), "name": patch.name,
    }
    current = await _authorized(ctx, assistant_id, "update", assistant_not_found, asked)
    changes: dict[str, Any] = {}
    if patch.config is not None or patch.context is not None:
        config, context = mirror_context(
            patch.config if patch.config is not None else {},
            patch.context if patch.context is not None else {},
        )
        if patch.config is None:
            config = {**(current.config or {}), "configurable": context}
        changes.update(config=config, context=context)
    if patch.graph_id is not None:
        changes["graph_id"] = patch.graph_id
    if patch.metadata is not None or asked["metadata"]:
        changes["meta"] = {**(current.meta or {}), **asked["metadata"]}
    if patch.name is not None:
        changes["name"] = patch.name
    if patch.description is not None:
        changes["description"] = patch.description
    async with ctx.db.session() as session:
        row = await queries.get_assistant(session, current.assistant_id)
        if row is None:
            raise assistant_not_found(current.assistant_id)
        row = await queries.add_assistant_version(session, row, changes)
    return assistant_to_wire(row)


async def delete_assistant(ctx: AppContext, assistant_id: str, *, delete_threads: bool) -> None:
    row = await _authorized(ctx, assistant_id, "delete", assistant_to_delete_not_found)
    from api.services.crons import delete_crons_of_assistant  # crons build on assistants, not the reverse

    await delete_crons_of_assistant(ctx, row.assistant_id)  # their ticks would only fail from now on
    if delete_threads:
        for thread_id in await thread_ids_of_assistant(ctx, row.assistant_id):
            try:  # each as the caller's own delete: threads the project's handler hides stay
                await delete_thread(ctx, thread_id, missing_ok=current_caller.get() is None)
            except DomainError as exc:
                log.info("thread %s of deleted assistant %s kept: %s", thread_id, row.assistant_id, exc.detail)
    async with ctx.db.session() as session:
        await queries.delete_assistant(session, row.assistant_id)


async def search_assistants(ctx: AppContext, request: AssistantSearchRequest) -> tuple[list[dict[str, Any]], Page]:
    """The page of assistants, and the offset of the next page if there may be one."""
    found_filter = await authorize(ctx, "assistants", "search", {
        "graph_id": request.graph_id, "metadata": request.metadata, "limit": request.limit, "offset": request.offset,
    })
    async with ctx.db.session() as session:
        rows = await queries.search_assistants(
            session,
            graph_id=request.graph_id,
            name=request.name,
            metadata=request.metadata,
            limit=request.limit + 1,
            offset=request.offset,
            sort_by=request.sort_by,
            sort_order=request.sort_order,
            auth_filter=found_filter,
        )
    rows, page = page_of(rows, request.offset, request.limit)
    found = [select_fields(assistant_to_wire(r), request.select) for r in rows]
    return found, page


async def count_assistants(ctx: AppContext, request: AssistantCountRequest) -> int:
    found = await authorize(ctx, "assistants", "search", {
        "graph_id": request.graph_id, "metadata": request.metadata, "limit": 0, "offset": 0,
    })
    async with ctx.db.session() as session:
        return await queries.count_assistants(
            session, graph_id=request.graph_id, name=request.name, metadata=request.metadata, auth_filter=found
        )


async def list_versions(ctx: AppContext, assistant_id: str, request: AssistantVersionsSearchRequest) -> list[dict[str, Any]]:
    found = await authorize(ctx, "assistants", "read", {"assistant_id": assistant_id})
    row = await resolve_assistant(ctx, assistant_id, servable=False, by_graph=False, missing=assistant_not_found)
    async with ctx.db.session() as session:
        versions = await queries.list_assistant_versions(
            session, row.assistant_id, metadata=request.metadata, limit=request.limit, offset=request.offset,
            auth_filter=found,
        )
    if found is not None and not versions:  # every version filtered out: not the caller's to see
        raise assistant_not_found(row.assistant_id)
    return [version_to_wire(v) for v in versions]


async def set_latest(ctx: AppContext, assistant_id: str, version: int | None) -> dict[str, Any]:
    if version is None:
        raise InvalidRequest("version is required (in the body or as a query parameter)")
    row = await _authorized(ctx, assistant_id, "update", assistant_not_found, {"assistant_id": assistant_id, "version": version})
    async with ctx.db.session() as session:
        current = await queries.get_assistant(session, row.assistant_id)
        updated = None if current is None else await queries.set_latest_assistant_version(session, current, version)
    if updated is None:
        raise NotFound(f"Assistant {row.assistant_id} has no version {version}")
    return assistant_to_wire(updated)


# --- the graph behind an assistant ------------------------------------------------------------


@contextlib.asynccontextmanager
async def _graph(ctx: AppContext, assistant_id: str) -> AsyncIterator[tuple[AssistantRow, Any]]:
    """The assistant and its graph, built for introspection (`assistants.read`) when it is a factory."""
    row = await _authorized(ctx, assistant_id, "read", lambda _id: assistant_not_found(), servable=True)
    config = {"configurable": {**((row.config or {}).get("configurable") or {}), "assistant_id": row.assistant_id}}
    async with ctx.graph(row.graph_id, READ_ASSISTANT, config) as graph:
        yield row, graph


def parse_xray(value: str | None) -> bool | int:
    """`xray` is a boolean or a depth, as a query string."""
    if value is None or value.lower() in ("", "false", "0"):
        return False
    if value.lower() == "true":
        return True
    try:
        depth = int(value)
    except ValueError:
        raise InvalidRequest(f"xray must be true, false or a positive depth, got {value!r}") from None
    if depth < 0:
        raise InvalidRequest(f"xray must be true, false or a positive depth, got {value!r}")
    return depth


async def get_graph(ctx: AppContext, assistant_id: str, xray: bool | int) -> dict[str, Any]:
    async with _graph(ctx, assistant_id) as (_row, graph):
        drawable = await graph.aget_graph(xray=xray)
    drawing: dict[str, Any] = drawable.to_json()
    for node in drawing.get("nodes", []):
        # A node's `data.id` is its runnable's import path (the server's internals, not the user's
        # graph): the official drawing leaves it out.
        if isinstance(node.get("data"), dict):
            node["data"].pop("id", None)
    return drawing


def _safe_schema(name: str, build: Any) -> dict[str, Any] | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return build()  # type: ignore[no-any-return]
    except Exception as exc:  # a schema LangGraph or pydantic cannot express as JSON Schema
        log.info("no %s schema: %s", name, exc)
        return None


# Keys of `configurable` the server fills itself: not part of what an assistant may configure.
SERVER_CONFIGURABLE_KEYS = ("__pregel_checkpointer", "__pregel_store", "checkpoint_id", "checkpoint_ns", "thread_id")


def _configurable_schema(graph: Any) -> dict[str, Any]:
    """The JSON Schema of the graph's `configurable` (not the whole config, whose other keys such as
    `max_concurrency` are LangChain's); `{}` when the graph declares none. Named by its config type."""
    configurable = graph.config_schema().model_fields.get("configurable")
    if configurable is None:
        return {}
    schema: dict[str, Any] = TypeAdapter(configurable.annotation).json_schema()
    for key in SERVER_CONFIGURABLE_KEYS:
        schema.get("properties", {}).pop(key, None)
    config_type = getattr(graph, "config_type", None)
    if config_type is not None and hasattr(config_type, "__name__"):
        schema["title"] = config_type.__name__
    return schema


def _state_schema(graph: Any) -> dict[str, Any]:
    """What a thread's `values` hold: every channel the graph streams (private `_...` ones too), each
    of the type its writes have and `null` by default (a thread's state may lack any of them),
    titled `<graph>_state`."""
    fields: dict[str, Any] = {}
    for key in graph.stream_channels_list:
        kind = graph.channels[key].UpdateType
        try:
            TypeAdapter(kind).json_schema()
        except Exception:  # a type JSON Schema cannot express
            kind = Any
        fields[key] = kind
    # A TypedDict, not a model: pydantic would take `_private` names for private attributes.
    shape = TypedDict(graph.get_name("State"), fields, total=False)  # type: ignore[operator]
    schema: dict[str, Any] = TypeAdapter(shape).json_schema()
    for prop in schema.get("properties", {}).values():
        prop["default"] = None
    return schema


def _schemas(graph: Any) -> dict[str, Any]:
    return {
        "input_schema": _safe_schema("input", graph.get_input_jsonschema),
        "output_schema": _safe_schema("output", graph.get_output_jsonschema),
        "state_schema": _safe_schema("state", lambda: _state_schema(graph)),
        "config_schema": _safe_schema("config", lambda: _configurable_schema(graph)),
        "context_schema": _safe_schema("context", graph.get_context_jsonschema),
    }


async def get_schemas(ctx: AppContext, assistant_id: str) -> dict[str, Any]:
    async with _graph(ctx, assistant_id) as (row, graph):
        return {"graph_id": row.graph_id, **_schemas(graph)}


async def get_subgraphs(ctx: AppContext, assistant_id: str, namespace: str | None, recurse: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    async with _graph(ctx, assistant_id) as (_row, graph):
        async for ns, subgraph in graph.aget_subgraphs(namespace=namespace, recurse=recurse):
            found[ns] = _schemas(subgraph)
    return found
