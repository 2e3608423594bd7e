"""Threads: CRUD, search, copy and prune; their state and history (live from the run, else the store)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from langgraph.types import Command, StateUpdate
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from activities.storage import ThreadRow
from activities.storage import queries
from activities.storage.checkpoints import copy_thread as copy_checkpoints
from activities.storage.checkpoints import keep_latest_checkpoint, storage_of_thread
from activities.storage.removal import delete_thread_data
from activities.storage.tables import ThreadStateUpdateRow, new_thread_row, utcnow
from activities.factories import READ_STATE, UPDATE_STATE
from activities.wire import empty_state, interrupt_to_wire, jsonable, snapshot_to_wire
from api.auth.authorize import Filter, Forbidden, authorize
from api.auth.filters import matches
from api.context import AppContext
from api.errors import BadRequest, Conflict, InvalidRequest, NotFound, no_graph_on_thread, thread_not_found
from api.schemas.threads import (
    CheckpointConfig,
    Superstep,
    ThreadCountRequest,
    ThreadCreate,
    ThreadPatch,
    ThreadPruneRequest,
    ThreadSearchRequest,
    ThreadStateSearch,
    ThreadStateUpdate,
)
from api.services.reconcile import reconcile_thread_runs
from api.services.pagination import Page, page_of
from api.services.serialize import select_fields, thread_to_wire
from workflows.run import RunWorkflow
from workflows.status import thread_status_at_rest
from workflows.types import run_workflow_id, uuid7

log = logging.getLogger("agent_server.api")


def parse_uuid(value: str, what: str) -> str:
    """The canonical form of a UUID given in a body (path ids are validated by FastAPI)."""
    try:
        return str(UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidRequest(f"{what} must be a UUID, got {value!r}") from None


# --- the thread resource ----------------------------------------------------------------------


async def create_thread(ctx: AppContext, request: ThreadCreate) -> dict[str, Any]:
    thread_id = uuid7() if request.thread_id is None else parse_uuid(request.thread_id, "thread_id")
    graph_id = request.metadata.get("graph_id")
    if request.supersteps and graph_id not in ctx.graphs:
        raise InvalidRequest(
            "supersteps need the graph to apply them with: set metadata.graph_id (the SDK's graph_id) to one of "
            + ", ".join(sorted(ctx.graphs))
        )
    # The project's handler may stamp the metadata (an owner): what it leaves there is stored.
    asked = {"thread_id": thread_id, "metadata": dict(request.metadata), "if_exists": request.if_exists}
    found = await authorize(ctx, "threads", "create", asked)
    async with ctx.db.session() as session:
        existing = await queries.get_thread(session, thread_id)
        if existing is not None:
            if request.if_exists == "do_nothing" and matches(existing.meta, found):
                return thread_to_wire(existing)
            raise Conflict(f"Thread with ID {thread_id} already exists")
        row = new_thread_row(
            thread_id=thread_id,
            meta=dict(asked["metadata"] or {}),
            config={},
            ttl=request.ttl.model_dump() if request.ttl else None,
        )
        queries.refresh_expiry(row, row.created_at)
        session.add(row)
    if request.supersteps:
        try:
            await _apply_supersteps(ctx, thread_id, graph_id, request.supersteps)
        except Exception as exc:  # nothing half-written: the thread goes away with what was applied
            await delete_thread(ctx, thread_id)
            raise InvalidRequest(f"supersteps could not be applied: {exc}") from None
        row = await require_thread(ctx, thread_id)
    return thread_to_wire(row)


async def _apply_supersteps(ctx: AppContext, thread_id: str, graph_id: str, supersteps: list[Superstep]) -> None:
    steps = [
        [StateUpdate(Command(**u.command) if u.command else u.values, u.as_node) for u in step.updates]
        for step in supersteps
    ]
    async with ctx.graph(graph_id, UPDATE_STATE, _config(thread_id)) as graph:
        await graph.abulk_update_state(_config(thread_id), steps)
    await _record_state(ctx, thread_id, graph_id, announce=True)


async def require_thread(ctx: AppContext, thread_id: str) -> ThreadRow:
    async with ctx.db.session() as session:
        row = await queries.get_thread(session, thread_id)
    if row is None:
        raise thread_not_found(thread_id)
    return row


async def authorized_thread(
    ctx: AppContext, thread_id: str, action: str = "read", value: dict[str, Any] | None = None
) -> ThreadRow:
    """The thread, if the caller may do `action` on it: one the project's handler filters out is
    missing to the caller (the same 404), as on the official server."""
    found = await thread_filter(ctx, thread_id, action, value)
    row = await require_thread(ctx, thread_id)
    if not matches(row.meta, found):
        raise thread_not_found(thread_id)
    return row


async def check_thread_access(
    ctx: AppContext, thread_id: str, action: str, value: dict[str, Any] | None = None,
    missing: Callable[[], Exception] | None = None,
) -> None:
    """Refuse (`missing()`, else the thread's 404) when the project's handler filters the thread
    out for `action`; nothing is read when it returns no filter (a missing thread is the caller's
    own check then)."""
    found = await thread_filter(ctx, thread_id, action, value)
    if found is None:
        return
    async with ctx.db.session() as session:
        metadata = await queries.thread_metadata(session, thread_id)
    if metadata is None or not matches(metadata, found):
        raise missing() if missing is not None else thread_not_found(thread_id)


async def thread_filter(ctx: AppContext, thread_id: str, action: str, value: dict[str, Any] | None = None) -> Filter | None:
    """The handler's filter for `action` on the thread, to apply where the caller reads it."""
    return await authorize(ctx, "threads", action, value or {"thread_id": thread_id})


async def get_thread(ctx: AppContext, thread_id: str) -> dict[str, Any]:
    row = await authorized_thread(ctx, thread_id)
    if row.status == "busy" and await reconcile_thread_runs(ctx, thread_id):
        row = await require_thread(ctx, thread_id)  # a run had ended from outside (CLI, timeout)
    return thread_to_wire(row)


async def update_thread(ctx: AppContext, thread_id: str, patch: ThreadPatch) -> dict[str, Any]:
    """Merge metadata, set or replace the TTL."""
    async with ctx.db.session() as session:
        if not await queries.thread_exists(session, thread_id):
            raise NotFound("Not Found")  # the official PATCH answer, bare (and the handler is not asked)
    asked = {"thread_id": thread_id, "metadata": dict(patch.metadata or {})}
    found = await authorize(ctx, "threads", "update", asked)
    async with ctx.db.session() as session:
        row = await queries.get_thread(session, thread_id)
        if row is None or not matches(row.meta, found):
            raise NotFound("Not Found")
        now = utcnow()
        if patch.metadata is not None or asked["metadata"]:
            row.meta = {**(row.meta or {}), **asked["metadata"]}
        if patch.ttl is not None:
            row.ttl = patch.ttl.model_dump()
        row.updated_at = now
        queries.refresh_expiry(row, now)
        session.add(row)
    return thread_to_wire(row)


def _extract(thread: dict[str, Any], paths: dict[str, str]) -> dict[str, Any]:
    """`{alias: value at dotted path}`; a missing step gives None."""
    extracted: dict[str, Any] = {}
    for alias, path in paths.items():
        value: Any = thread
        for part in path.split("."):
            if isinstance(value, dict):
                value = value.get(part)
            elif isinstance(value, list) and part.lstrip("-").isdigit() and -len(value) <= int(part) < len(value):
                value = value[int(part)]
            else:
                value = None
                break
        extracted[alias] = value
    return extracted


async def _search_filter(ctx: AppContext, request: ThreadSearchRequest | ThreadCountRequest) -> Filter | None:
    paged = isinstance(request, ThreadSearchRequest)
    return await authorize(ctx, "threads", "search", {
        "metadata": request.metadata, "values": request.values, "status": request.status,
        "limit": request.limit if paged else 0, "offset": request.offset if paged else 0,
    })


async def search_threads(ctx: AppContext, request: ThreadSearchRequest) -> tuple[list[dict[str, Any]], Page]:
    ids = [parse_uuid(i, "ids[]") for i in request.ids] if request.ids else None
    found_filter = await _search_filter(ctx, request)
    async with ctx.db.session() as session:
        rows = await queries.search_threads(
            session,
            ids=ids,
            metadata=request.metadata,
            values=request.values,
            status=request.status,
            limit=request.limit + 1,
            offset=request.offset,
            sort_by=request.sort_by,
            sort_order=request.sort_order,
            auth_filter=found_filter,
        )
    rows, page = page_of(rows, request.offset, request.limit)
    found = []
    for row in rows:
        wire = thread_to_wire(row)
        item = select_fields(wire, request.select)
        if request.extract:
            item["extracted"] = _extract(wire, request.extract)
        found.append(item)
    return found, page


async def count_threads(ctx: AppContext, request: ThreadCountRequest) -> int:
    found = await _search_filter(ctx, request)
    async with ctx.db.session() as session:
        return await queries.count_threads(
            session, metadata=request.metadata, values=request.values, status=request.status, auth_filter=found
        )


async def thread_ids_of_assistant(ctx: AppContext, assistant_id: str) -> list[str]:
    async with ctx.db.session() as session:
        return await queries.thread_ids_with_metadata(session, {"assistant_id": assistant_id})


async def _stop_active_runs(ctx: AppContext, thread_id: str, reason: str) -> None:
    """Terminate the workflows of the thread's pending and running runs (before deleting it)."""
    async with ctx.db.session() as session:
        active = await queries.active_runs(session, thread_id)
    for run in active:
        try:
            await ctx.client.get_workflow_handle(run_workflow_id(run.run_id)).terminate(reason=reason)
        except RPCError as exc:
            if exc.status != RPCStatusCode.NOT_FOUND:
                raise


async def delete_thread(ctx: AppContext, thread_id: str, *, missing_ok: bool = True) -> None:
    """Remove a thread: stop its active runs, then delete its runs and its checkpoints. (A request's
    delete, `missing_ok=False`, asks the project's handler; the server's own sweeps do not.)"""
    if not missing_ok:
        await authorized_thread(ctx, thread_id, "delete")
    from api.services.crons import delete_crons_of_thread  # crons build on threads, not the reverse

    await delete_crons_of_thread(ctx, thread_id)  # first: a tick must not start a run on it meanwhile
    await _stop_active_runs(ctx, thread_id, "thread deleted")
    await delete_thread_data(ctx.db, thread_id)


async def copy_thread(ctx: AppContext, thread_id: str) -> dict[str, Any]:
    """A new thread with the same metadata, values and checkpoint history (same checkpoint ids)."""
    source = await authorized_thread(ctx, thread_id, "read")
    target_id = uuid7()
    # Creating the copy is the caller's `threads:create` (the handler may stamp its metadata).
    asked = {"thread_id": target_id, "metadata": dict(source.meta or {})}
    await authorize(ctx, "threads", "create", asked)
    assert ctx.db.checkpointer is not None
    await copy_checkpoints(ctx.db.checkpointer, thread_id, target_id)
    row = new_thread_row(
        thread_id=target_id,
        meta=dict(asked["metadata"] or {}),
        config=dict(source.config or {}),
        status="idle" if source.status == "busy" else source.status,
        values=source.values,
        interrupts=source.interrupts,
        error=source.error,
        ttl=source.ttl,
        **({"state_updated_at": source.state_updated_at} if source.state_updated_at else {}),
    )
    queries.refresh_expiry(row, row.created_at)
    async with ctx.db.session() as session:
        session.add(row)
    return _copy_answer(row)


def _copy_answer(row: ThreadRow) -> dict[str, Any]:
    """The official answer to a copy: the new thread as created, before its state was copied into it
    (no values, error or interrupts, an empty config, `updated_at` equal to `created_at`); reading
    it shows everything copied."""
    wire = thread_to_wire(row)
    for key in ("values", "error", "interrupts"):
        wire.pop(key, None)
    return {**wire, "config": {}}


async def prune_threads(ctx: AppContext, request: ThreadPruneRequest) -> dict[str, int]:
    """`delete` removes the threads; `keep_latest` keeps only each thread's newest checkpoint."""
    ids = [parse_uuid(i, "thread_ids[]") for i in request.thread_ids]
    found = await authorize(ctx, "threads", "delete", {"thread_ids": ids})
    async with ctx.db.session() as session:
        known = await queries.threads_metadata(session, ids)
    if found is not None and any(t not in known or not matches(known[t], found) for t in ids):
        raise NotFound("At least one thread not found or not authorized")
    existing = [t for t in ids if t in known]
    if request.strategy == "delete":
        for thread_id in existing:
            await delete_thread(ctx, thread_id)
    else:
        assert ctx.db.checkpointer is not None
        await keep_latest_checkpoint(ctx.db.checkpointer, existing)
    return {"pruned_count": len(existing)}


async def sweep_expired_threads(ctx: AppContext) -> int:
    """Delete the threads whose TTL has passed; returns how many."""
    async with ctx.db.session() as session:
        expired = await queries.expired_thread_ids(session, utcnow())
    for thread_id in expired:
        await delete_thread(ctx, thread_id)
    if expired:
        log.info("deleted %d threads whose TTL passed", len(expired))
    return len(expired)


async def thread_storage(ctx: AppContext, thread_id: str) -> dict[str, Any]:
    await authorized_thread(ctx, thread_id)
    assert ctx.db.checkpointer is not None
    return await storage_of_thread(ctx.db.checkpointer, thread_id)


# --- state and history ------------------------------------------------------------------------


def _config(thread_id: str, checkpoint: CheckpointConfig | None = None, checkpoint_id: str | None = None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint is not None:
        configurable["checkpoint_ns"] = checkpoint.checkpoint_ns or ""
        if checkpoint.checkpoint_id:
            configurable["checkpoint_id"] = checkpoint.checkpoint_id
        if checkpoint.checkpoint_map:
            configurable["checkpoint_map"] = checkpoint.checkpoint_map
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


def _graph_of(ctx: AppContext, row: ThreadRow) -> str | None:
    graph_id = (row.meta or {}).get("graph_id")
    return graph_id if graph_id in ctx.graphs else None


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


async def get_thread_state(
    ctx: AppContext,
    thread_id: str,
    *,
    subgraphs: bool = False,
    checkpoint: CheckpointConfig | None = None,
    checkpoint_id: str | None = None,
) -> dict[str, Any]:
    row = await authorized_thread(ctx, thread_id)
    at_checkpoint = checkpoint_id or (checkpoint.checkpoint_id if checkpoint else None)
    if row.status == "busy" and not at_checkpoint and not subgraphs:
        live = await _live_state(ctx, thread_id)
        if live is not None:
            return live
    graph_id = _graph_of(ctx, row)
    if graph_id is None:
        return _at_requested(empty_state(), thread_id, checkpoint, at_checkpoint)
    async with ctx.graph(graph_id, READ_STATE, _config(thread_id)) as reader:
        snapshot = await reader.aget_state(_config(thread_id, checkpoint, checkpoint_id), subgraphs=subgraphs)
    if snapshot.created_at is None:
        return _at_requested(empty_state(), thread_id, checkpoint, at_checkpoint)
    return _at_requested(snapshot_to_wire(snapshot), thread_id, checkpoint, at_checkpoint)


def _at_requested(
    state: dict[str, Any], thread_id: str, checkpoint: CheckpointConfig | None, checkpoint_id: str | None
) -> dict[str, Any]:
    """A state read at a checkpoint names that checkpoint as it was asked for (the official answer:
    an unknown one is an empty state that still names it, a 200)."""
    if not checkpoint_id:
        return state
    named: dict[str, Any] = {"checkpoint_id": checkpoint_id, "thread_id": thread_id}
    if checkpoint is not None and "checkpoint_ns" in checkpoint.model_fields_set:
        named["checkpoint_ns"] = checkpoint.checkpoint_ns
    return {**state, "checkpoint": named, "checkpoint_id": checkpoint_id}


async def get_thread_history(ctx: AppContext, thread_id: str, search: ThreadStateSearch) -> list[dict[str, Any]]:
    row = await authorized_thread(ctx, thread_id)
    graph_id = _graph_of(ctx, row)
    if graph_id is None:
        return []
    before = search.before
    if isinstance(before, str):
        before = CheckpointConfig(checkpoint_id=before)
    history = []
    async with ctx.graph(graph_id, READ_STATE, _config(thread_id)) as reader:
        async for snapshot in reader.aget_state_history(
            _config(thread_id, search.checkpoint),
            filter=search.metadata or None,
            before=_config(thread_id, before) if before is not None and before.checkpoint_id else None,
            limit=search.limit,
        ):
            history.append(snapshot_to_wire(snapshot))
    return history


async def update_thread_state(ctx: AppContext, thread_id: str, update: ThreadStateUpdate) -> dict[str, Any]:
    """Write a new checkpoint as if `as_node` had returned `values` (not while a run is active)."""
    may_update = await thread_filter(ctx, thread_id, "update")
    row = await authorized_thread(ctx, thread_id)
    if not matches(row.meta, may_update):  # readable but not the caller's to change: a 403, as there
        raise Forbidden("Forbidden")
    if row.status == "busy":
        raise Conflict(f"Thread {thread_id} is busy with a run; update its state once the run has ended")
    graph_id = _graph_of(ctx, row)
    if graph_id is None:
        raise BadRequest(no_graph_on_thread(thread_id))
    try:
        async with ctx.graph(graph_id, UPDATE_STATE, _config(thread_id)) as reader:
            target = _config(thread_id, update.checkpoint, update.checkpoint_id)
            target["metadata"] = {"graph_id": graph_id}  # the checkpoint's metadata names it, as a run's does
            config = await reader.aupdate_state(target, update.values, as_node=update.as_node)
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidRequest(f"State update rejected by graph '{graph_id}': {exc}") from None
    await _record_state(ctx, thread_id, graph_id, announce=True)
    conf = config["configurable"]
    checkpoint = {
        "thread_id": thread_id,
        "checkpoint_ns": conf.get("checkpoint_ns", ""),
        "checkpoint_id": conf.get("checkpoint_id"),
    }
    if conf.get("checkpoint_map"):
        checkpoint["checkpoint_map"] = conf["checkpoint_map"]
    # `configurable` and `checkpoint_id` are the deprecated forms the official server still sends.
    return {"checkpoint": checkpoint, "configurable": checkpoint, "checkpoint_id": checkpoint["checkpoint_id"]}


async def record_state_if_known(ctx: AppContext, thread_id: str, *, error: dict[str, Any] | None = None) -> None:
    """Re-read the thread's latest checkpoint into its row (after checkpoints were removed)."""
    async with ctx.db.session() as session:
        row = await queries.get_thread(session, thread_id)
    graph_id = None if row is None else _graph_of(ctx, row)
    if graph_id is not None:
        await _record_state(ctx, thread_id, graph_id, error=error)


async def _record_state(
    ctx: AppContext, thread_id: str, graph_id: str, *, announce: bool = False, error: dict[str, Any] | None = None
) -> None:
    """Bring the thread row (values, interrupts, status) in line with its latest checkpoint (values
    null when none is left); with `announce`, also record the new state for thread streams
    (`state_update`), in the same transaction. `error` is what the thread then shows as its error."""
    async with ctx.graph(graph_id, READ_STATE, _config(thread_id)) as reader:
        snapshot = await reader.aget_state(_config(thread_id))
    interrupts = {t.id: [interrupt_to_wire(i) for i in t.interrupts] for t in snapshot.tasks if t.interrupts}
    async with ctx.db.session() as session:
        row = await queries.get_thread(session, thread_id)
        if row is None:
            return
        if announce:
            data = {"state": snapshot_to_wire(snapshot), "thread_id": thread_id}
            session.add(ThreadStateUpdateRow(update_id=uuid7(), thread_id=thread_id, data=data))
        now: datetime = utcnow()
        has_checkpoint = snapshot.created_at is not None
        row.values = jsonable(snapshot.values) if has_checkpoint else None
        row.interrupts = interrupts if has_checkpoint else None
        row.status = thread_status_at_rest(bool(snapshot.next), bool(interrupts))
        row.error = error
        row.state_updated_at = now
        row.updated_at = now
        queries.refresh_expiry(row, now)
        session.add(row)
