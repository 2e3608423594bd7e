"""Assistants: the default assistant of each graph, lookup by id or graph id, search."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from activities.storage import AssistantRow
from activities.storage import queries
from api.context import AppContext
from api.errors import NotFound
from api.schemas.assistants import AssistantSearchRequest
from api.services.serialize import assistant_to_wire


async def register_default_assistants(ctx: AppContext) -> None:
    """One system assistant per graph of `langgraph.json` (idempotent at every start)."""
    async with ctx.db.session() as session:
        for spec in ctx.graphs.values():
            await queries.upsert_default_assistant(session, spec.assistant_id, spec.graph_id)


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


async def resolve_assistant(ctx: AppContext, assistant_id_or_graph: str) -> AssistantRow:
    """An assistant by id, or a graph's default assistant by graph id (as the official server does)."""
    if not _is_uuid(assistant_id_or_graph):
        spec = ctx.graphs.get(assistant_id_or_graph)
        if spec is None:
            raise NotFound(
                f"Assistant '{assistant_id_or_graph}' not found: it is neither an assistant id nor a graph id "
                f"(graphs: {', '.join(sorted(ctx.graphs))})"
            )
        assistant_id_or_graph = spec.assistant_id
    async with ctx.db.session() as session:
        row = await queries.get_assistant(session, assistant_id_or_graph)
    if row is None:
        raise NotFound(f"Assistant '{assistant_id_or_graph}' not found")
    if row.graph_id not in ctx.graphs:
        raise NotFound(f"Assistant '{row.assistant_id}' uses graph '{row.graph_id}', which this server does not serve")
    return row


async def get_assistant(ctx: AppContext, assistant_id: str) -> dict[str, Any]:
    return assistant_to_wire(await resolve_assistant(ctx, assistant_id))


async def search_assistants(ctx: AppContext, request: AssistantSearchRequest) -> list[dict[str, Any]]:
    async with ctx.db.session() as session:
        rows = await queries.search_assistants(
            session,
            graph_id=request.graph_id,
            name=request.name,
            metadata=request.metadata,
            limit=request.limit,
            offset=request.offset,
            sort_by=request.sort_by,
            sort_order=request.sort_order,
        )
    found = [assistant_to_wire(r) for r in rows]
    if request.select:
        found = [{k: v for k, v in a.items() if k in request.select} for a in found]
    return found
