"""Threads: create, get, search, delete, and their state (live from the run, else from the store)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError

from activities.storage import ThreadRow
from activities.storage import queries
from activities.wire import empty_state, snapshot_to_wire
from api.context import AppContext
from api.errors import Conflict, InvalidRequest, NotFound
from api.schemas.threads import ThreadCreate, ThreadSearchRequest
from api.services.serialize import thread_to_wire
from workflows.run import RunWorkflow
from workflows.types import run_workflow_id, uuid7

log = logging.getLogger("agent_server.api")


def _thread_id(value: str | None) -> str:
    if value is None:
        return uuid7()
    try:
        return str(UUID(value))
    except ValueError:
        raise InvalidRequest(f"thread_id must be a UUID, got {value!r}") from None


async def create_thread(ctx: AppContext, request: ThreadCreate) -> dict[str, Any]:
    if request.supersteps:
        raise InvalidRequest("supersteps are not supported yet")
    thread_id = _thread_id(request.thread_id)
    async with ctx.db.session() as session:
        existing = await queries.get_thread(session, thread_id)
        if existing is not None:
            if request.if_exists == "do_nothing":
                return thread_to_wire(existing)
            raise Conflict(f"Thread {thread_id} already exists")
        row = ThreadRow(thread_id=thread_id, meta=dict(request.metadata), config={})
        session.add(row)
    return thread_to_wire(row)


async def require_thread(ctx: AppContext, thread_id: str) -> ThreadRow:
    async with ctx.db.session() as session:
        row = await queries.get_thread(session, thread_id)
    if row is None:
        raise NotFound(f"Thread {thread_id} not found")
    return row


async def get_thread(ctx: AppContext, thread_id: str) -> dict[str, Any]:
    return thread_to_wire(await require_thread(ctx, thread_id))


async def search_threads(ctx: AppContext, request: ThreadSearchRequest) -> list[dict[str, Any]]:
    async with ctx.db.session() as session:
        rows = await queries.search_threads(
            session,
            ids=request.ids,
            metadata=request.metadata,
            values=request.values,
            status=request.status,
            limit=request.limit,
            offset=request.offset,
            sort_by=request.sort_by,
            sort_order=request.sort_order,
        )
    found = [thread_to_wire(r) for r in rows]
    if request.select:
        found = [{k: v for k, v in t.items() if k in request.select} for t in found]
    return found


async def delete_thread(ctx: AppContext, thread_id: str, *, missing_ok: bool = True) -> None:
    """Remove a thread, its runs and its checkpoints."""
    async with ctx.db.session() as session:
        existed = await queries.delete_thread(session, thread_id)
    if not existed and not missing_ok:
        raise NotFound(f"Thread {thread_id} not found")
    assert ctx.db.checkpointer is not None
    await ctx.db.checkpointer.adelete_thread(thread_id)


async def _live_state(ctx: AppContext, thread_id: str) -> dict[str, Any] | None:
    """The state as the running run sees it (a workflow query), if a run is live."""
    async with ctx.db.session() as session:
        active = await queries.active_run(session, thread_id)
    if active is None or active.status != "running":
        return None
    handle = ctx.client.get_workflow_handle_for(RunWorkflow.run, run_workflow_id(active.run_id))
    try:
        return await handle.query(RunWorkflow.state)
    except (WorkflowQueryFailedError, RPCError) as exc:
        log.info("live state of run %s unavailable (%s); reading the store", active.run_id, exc)
        return None


async def get_thread_state(ctx: AppContext, thread_id: str) -> dict[str, Any]:
    row = await require_thread(ctx, thread_id)
    if row.status == "busy":
        live = await _live_state(ctx, thread_id)
        if live is not None:
            return live
    graph_id = (row.meta or {}).get("graph_id")
    if graph_id not in ctx.graphs:
        return empty_state()
    reader = ctx.state_reader(graph_id)
    snapshot = await reader.aget_state({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})
    if snapshot.config is None or not snapshot.config.get("configurable", {}).get("checkpoint_id"):
        return empty_state()
    return snapshot_to_wire(snapshot)
