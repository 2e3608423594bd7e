"""Runs: the one admission path (`create_run`), reads reconciled with Temporal, join and wait."""

from __future__ import annotations

import logging
from typing import Any

from temporalio.client import (
    WithStartWorkflowOperation,
    WorkflowFailureError,
    WorkflowUpdateFailedError,
)
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.graphs import GraphSpec
from activities.storage import RunRow
from activities.storage import queries
from activities.storage.removal import delete_run_data
from activities.storage.tables import new_thread_row
from activities.webhooks import WebhookRefused
from activities.wire import jsonable
from api.context import AppContext
from api.errors import (
    NO_MATCHING_RUNS_TO_CANCEL,
    NO_RUNS_TO_CANCEL,
    RUN_NOT_FOUND,
    THREAD_OR_ASSISTANT_NOT_FOUND,
    BadRequest,
    Conflict,
    InvalidRequest,
    NotFound,
    run_not_found,
    run_of_thread_not_found,
)
from activities.auth_user import PERMISSIONS_KEY, USER_ID_KEY, USER_KEY
from api.auth.authorize import Filter, authorize, current_caller
from api.auth.filters import matches
from api.configurable_headers import request_headers
from api.schemas.runs import RunCreateStateful, RunCreateStateless, RunsCancel
from api.services.assistants import mirror_context, resolve_assistant
from api.services.reconcile import failure_payload, reconciled_status
from api.services.run_arrivals import run_admitted
from api.services.serialize import run_to_wire, select_fields
from api.services.threads import (
    authorized_thread,
    check_thread_access,
    record_state_if_known,
    require_thread,
    thread_filter,
)
from workflows.run import RunWorkflow
from workflows.streaming import EVENT_STREAMING_V2_KEY, V2_ONLY_MODES, protocol_stream_modes
from workflows.status import USER_ROLLBACK, is_terminal
from workflows.thread import THREAD_BUSY_ERROR, ThreadInput, ThreadWorkflow
from workflows.types import RunInput, RunResult, SubmitRun, run_workflow_id, thread_workflow_id, uuid7

log = logging.getLogger("agent_server.api")


def _merge_config(assistant_config: dict[str, Any], run_config: dict[str, Any]) -> dict[str, Any]:
    merged = {**assistant_config, **run_config}
    merged["configurable"] = {**assistant_config.get("configurable", {}), **run_config.get("configurable", {})}
    return merged


def _run_kwargs(
    payload: RunCreateStateful | RunCreateStateless, config: dict[str, Any], temporary: bool, stream_modes: list[str]
) -> dict[str, Any]:
    """The run's `kwargs` as the official server records them."""
    return {
        "input": payload.input,
        "command": payload.command.model_dump(exclude_unset=True) if payload.command else None,
        "config": config,
        "context": payload.context,
        "webhook": payload.webhook,
        "temporary": temporary,
        "stream_mode": stream_modes,
        "feedback_keys": payload.feedback_keys,
        "interrupt_before": payload.interrupt_before,
        "interrupt_after": payload.interrupt_after,
        "subgraphs": payload.stream_subgraphs,
        "resumable": payload.stream_resumable,
        "checkpoint_during": payload.checkpoint_during,
        "durability": payload.durability,
    }


def _static_interrupts(
    field: str, requested: list[str] | str | None, spec: GraphSpec
) -> list[str] | str | None:
    """As LangGraph's `astream`: the run's own static interrupts (checked here, so a typo is a 422 and
    not a run that cannot compile), else those the graph was compiled with."""
    compiled = spec.interrupt_before if field == "interrupt_before" else spec.interrupt_after
    if requested is None:
        return compiled or None
    if requested == "*":
        return requested
    if isinstance(requested, str):
        raise InvalidRequest(f"{field} must be \"*\" (every node) or a list of node names, got {requested!r}")
    unknown = [name for name in requested if name not in spec.node_names]
    if unknown:
        raise InvalidRequest(
            f"{field} names nodes that graph {spec.graph_id!r} does not have: {unknown} "
            f"(its nodes: {sorted(spec.node_names)})"
        )
    return list(requested)


async def _ensure_thread_for_run(
    ctx: AppContext, thread_id: str, if_not_exists: str, new_metadata: dict[str, Any], allowed: Filter | None
) -> None:
    """The run's thread must exist (and pass the project's `threads:create_run` filter, `allowed`);
    it is created on the fly with `if_not_exists="create"`, with the run's metadata as the official
    server does. (Only its metadata is read: a long chat's values would be read on every run for nothing.)"""
    async with ctx.db.session() as session:
        metadata = await queries.thread_metadata(session, thread_id)
        if metadata is not None:
            if matches(metadata, allowed):
                return
        elif if_not_exists == "create":
            session.add(new_thread_row(thread_id=thread_id, meta=new_metadata, config={}))
            return
    raise NotFound(THREAD_OR_ASSISTANT_NOT_FOUND)


async def check_webhook(ctx: AppContext, url: str) -> None:
    """A webhook URL the project's policy refuses is a 422 naming the rule (runs and crons)."""
    try:
        await ctx.webhooks.check(url)
    except WebhookRefused as exc:
        raise InvalidRequest(str(exc)) from None


async def create_run(
    ctx: AppContext,
    thread_id: str,
    payload: RunCreateStateful | RunCreateStateless,
    *,
    temporary: bool = False,
    protocol: bool = False,
) -> dict[str, Any]:
    """Admit a run on a thread: the thread's workflow applies the multitask strategy and starts it.
    A thread-protocol run (`protocol`) streams the modes its graph's channels need, not the payload's."""
    # Everything that can refuse the request is checked before the thread may be created.
    assistant = await resolve_assistant(
        ctx, payload.assistant_id, missing=lambda _id: NotFound(THREAD_OR_ASSISTANT_NOT_FOUND)
    )
    spec = ctx.graphs[assistant.graph_id]
    interrupt_before = _static_interrupts("interrupt_before", payload.interrupt_before, spec)
    interrupt_after = _static_interrupts("interrupt_after", payload.interrupt_after, spec)
    run_config, run_context = mirror_context(payload.config, payload.context)
    stream_modes = protocol_stream_modes(spec.shape.transformer_modes) if protocol else payload.stream_modes
    v2_only = V2_ONLY_MODES.intersection(stream_modes)
    if v2_only and not (run_config.get("configurable") or {}).get(EVENT_STREAMING_V2_KEY):
        # As the official server: these modes exist only on the thread protocol's streams.
        raise InvalidRequest(f"stream_mode entries {sorted(v2_only)!r} are only supported on the v2 event streaming endpoints.")
    multitask = getattr(payload, "multitask_strategy", "enqueue")
    if payload.webhook:
        await check_webhook(ctx, payload.webhook)
    run_id = uuid7()
    checkpoint_id = getattr(payload, "checkpoint_id", None) or (getattr(payload, "checkpoint", None) or {}).get(
        "checkpoint_id"
    )
    config = _merge_config(assistant.config or {}, run_config)
    context = {**(assistant.context or {}), **run_context}
    config["configurable"].update(ctx.headers.copied(request_headers.get()))
    config["configurable"].update(
        run_id=run_id,
        thread_id=thread_id,
        graph_id=assistant.graph_id,
        assistant_id=assistant.assistant_id,
        user_id=config["configurable"].get("user_id", ""),
    )
    # Who made the request, as the official server passes it to graphs (api/auth/).
    caller = current_caller.get()
    config["configurable"].update(
        caller.run_configurable() if caller is not None and ctx.auth is not None
        else {USER_KEY: None, USER_ID_KEY: "", PERMISSIONS_KEY: []}
    )
    if checkpoint_id:
        config["configurable"]["checkpoint_id"] = checkpoint_id
    config["metadata"] = {
        **(config.get("metadata") or {}),
        "created_by": (config.get("metadata") or {}).get("created_by", "system"),
        # A stateless run's metadata does not name the graph (as the official server records it).
        **({} if isinstance(payload, RunCreateStateless) else {"graph_id": assistant.graph_id}),
        "assistant_id": assistant.assistant_id,
        **payload.metadata,
    }
    kwargs = _run_kwargs(payload, config, temporary, stream_modes)
    metadata = dict(payload.metadata)
    # The project's handler sees the run before anything is written, and may stamp its metadata.
    allowed = await authorize(ctx, "threads", "create_run", {
        "thread_id": None if temporary else thread_id, "assistant_id": assistant.assistant_id, "run_id": run_id,
        "status": "pending", "metadata": metadata, "prevent_insert_if_inflight": multitask == "reject",
        "multitask_strategy": multitask, "if_not_exists": payload.if_not_exists,
        "after_seconds": payload.after_seconds, "kwargs": kwargs,
    })
    if (assistant.meta or {}).get("created_by") != "system":
        readable = await authorize(ctx, "assistants", "read", {"assistant_id": assistant.assistant_id})
        if not matches(assistant.meta, readable):
            raise NotFound(THREAD_OR_ASSISTANT_NOT_FOUND)
    config["metadata"].update(metadata)
    await _ensure_thread_for_run(
        ctx, thread_id, payload.if_not_exists, {**(payload.config.get("metadata") or {}), **metadata}, allowed
    )
    run = RunInput(
        run_id=run_id,
        thread_id=thread_id,
        assistant_id=assistant.assistant_id,
        graph_id=assistant.graph_id,
        input=payload.input,
        command=kwargs["command"],
        config=config,
        context=context,
        metadata=config["metadata"],
        interrupt_before=interrupt_before,
        interrupt_after=interrupt_after,
        checkpoint_id=checkpoint_id,
        multitask_strategy=multitask,
        kwargs=kwargs,
        after_seconds=payload.after_seconds or None,
        temporary=temporary,
        webhook_attempts=ctx.settings.webhook_max_attempts,
    )
    await _submit(ctx, run, multitask)
    row = RunRow(
        run_id=run_id,
        thread_id=thread_id,
        assistant_id=assistant.assistant_id,
        status="pending",
        meta=config["metadata"],
        kwargs=kwargs,
        multitask_strategy=multitask,
    )
    async with ctx.db.session() as session:
        await queries.insert_run_if_missing(session, row)
    run_admitted(thread_id)  # this process's streams waiting for the thread's next run look now
    return run_to_wire(row)


async def _submit(ctx: AppContext, run: RunInput, multitask: str) -> None:
    settings = ctx.settings
    start = WithStartWorkflowOperation(
        ThreadWorkflow.run,
        ThreadInput(
            thread_id=run.thread_id,
            idle_seconds=settings.thread_idle_secs,
            run_timeout_seconds=settings.bg_job_timeout_secs,
        ),
        id=thread_workflow_id(run.thread_id),
        task_queue=settings.task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
    )
    request = SubmitRun(
        run=run,
        multitask_strategy=multitask,
        search_attributes={"ThreadId": run.thread_id, "AssistantId": run.assistant_id, "GraphId": run.graph_id},
    )
    try:
        await ctx.client.execute_update_with_start_workflow(
            ThreadWorkflow.submit, request, start_workflow_operation=start
        )
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type == THREAD_BUSY_ERROR:
            raise Conflict(cause.message) from None
        raise


async def require_run(ctx: AppContext, thread_id: str, run_id: str, missing: str = RUN_NOT_FOUND) -> RunRow:
    """The run, or the 404 with the official `missing` message."""
    async with ctx.db.session() as session:
        row = await queries.get_run(session, thread_id, run_id)
    if row is None:
        raise NotFound(missing)
    return row


async def get_run(ctx: AppContext, thread_id: str, run_id: str) -> dict[str, Any]:
    await check_thread_access(ctx, thread_id, "read")
    async with ctx.db.session() as session:
        row = await queries.get_run(session, thread_id, run_id)
    if row is None:
        await require_thread(ctx, thread_id)  # a missing thread is named as such
        raise run_of_thread_not_found()
    return run_to_wire(row, await reconciled_status(ctx, row))


async def get_run_by_id(ctx: AppContext, run_id: str) -> dict[str, Any]:
    """A run found by its id alone (a stateless run's thread is not the caller's to know)."""
    async with ctx.db.session() as session:
        row = await session.get(RunRow, run_id)
    if row is None:
        raise run_not_found()
    await check_thread_access(ctx, row.thread_id, "read", missing=run_not_found)
    return run_to_wire(row, await reconciled_status(ctx, row))


async def list_runs(
    ctx: AppContext, thread_id: str, limit: int, offset: int, status: str | None, select: list[str] | None
) -> list[dict[str, Any]]:
    thread = await authorized_thread(ctx, thread_id)
    if not matches(thread.meta, await thread_filter(ctx, thread_id, "search", {"thread_id": thread_id, "metadata": {}})):
        return []
    async with ctx.db.session() as session:
        rows = await queries.list_runs(session, thread_id, limit=limit, offset=offset, status=status)
    return [select_fields(run_to_wire(r), select) for r in rows]


async def _await_outcome(ctx: AppContext, thread_id: str, run_id: str) -> Any:
    """Wait for the run's workflow to close (server side, no polling) and answer as join does."""
    handle = ctx.client.get_workflow_handle_for(RunWorkflow.run, run_workflow_id(run_id))
    try:
        result: RunResult = await handle.result()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
        # The workflow is gone (retention passed, or the namespace was reset): the store has the outcome.
        return await _current_values(ctx, thread_id)
    except WorkflowFailureError as exc:
        error = failure_payload(exc, run_id)
        if error is None:  # cancelled or terminated: what the run kept is the thread's current state
            return await _current_values(ctx, thread_id)
        return {"__error__": error}
    return jsonable(result.values)


async def _current_values(ctx: AppContext, thread_id: str) -> Any:
    async with ctx.db.session() as session:
        thread = await queries.get_thread(session, thread_id)
    return None if thread is None else thread.values


async def join_run(ctx: AppContext, thread_id: str, run_id: str) -> Any:
    """Wait for the run to end and return the thread's values (or the run's error)."""
    await check_thread_access(ctx, thread_id, "read", missing=lambda: NotFound("Thread not found"))
    await require_run(ctx, thread_id, run_id)
    return await _await_outcome(ctx, thread_id, run_id)


async def wait_run(
    ctx: AppContext, thread_id: str | None, payload: RunCreateStateful | RunCreateStateless
) -> tuple[dict[str, Any], Any]:
    """Create a run and return it with the thread's values once it ends (a temporary thread if stateless)."""
    run = await (create_run(ctx, thread_id, payload) if thread_id is not None else create_stateless_run(ctx, payload))
    return run, await _await_outcome(ctx, run["thread_id"], run["run_id"])


async def create_stateless_run(ctx: AppContext, payload: RunCreateStateless) -> dict[str, Any]:
    """A run on a new thread, deleted with its checkpoints when the run ends unless `on_completion="keep"`."""
    if payload.command is not None and payload.command.resume is not None:
        raise BadRequest("A stateless run cannot resume: there is no earlier state to resume from")
    stateless = payload.model_copy(update={"if_not_exists": "create"})
    return await create_run(ctx, uuid7(), stateless, temporary=payload.on_completion != "keep")


async def create_batch(ctx: AppContext, payloads: list[RunCreateStateless]) -> list[dict[str, Any]]:
    """Create several stateless runs; each is validated before any is started."""
    for payload in payloads:
        await resolve_assistant(ctx, payload.assistant_id)
    return [await create_stateless_run(ctx, payload) for payload in payloads]


async def delete_run(ctx: AppContext, thread_id: str, run_id: str) -> None:
    value = {"thread_id": thread_id, "run_id": run_id}
    await check_thread_access(ctx, thread_id, "delete", value, missing=lambda: NotFound("Not Found"))
    row = await require_run(ctx, thread_id, run_id)
    if not is_terminal(await reconciled_status(ctx, row)):
        raise Conflict(f"Run {run_id} is still {row.status}; cancel it before deleting it")
    async with ctx.db.session() as session:
        await queries.delete_run(session, run_id)


def _cancel_value(thread_id: str | None, action: str, run_ids: list[str] | None, status: str | None) -> dict[str, Any]:
    return {"thread_id": thread_id, "action": action, "metadata": {"run_ids": run_ids, "status": status}}


async def cancel_run(ctx: AppContext, thread_id: str, run_id: str, *, wait: bool, action: str, asked: bool = False) -> Any:
    """Cancel the run's workflow: a running node is cancelled through its heartbeat, a queued run never starts.

    `rollback` also deletes the run and the checkpoints it wrote, so the thread is as before it.
    (`asked`: the project's handler was asked already, by `cancel_runs`.)
    """
    if not asked:
        await check_thread_access(
            ctx, thread_id, "update", _cancel_value(thread_id, action, [run_id], None),
            missing=lambda: NotFound(NO_RUNS_TO_CANCEL),
        )
    row = await require_run(ctx, thread_id, run_id, missing=NO_RUNS_TO_CANCEL)
    if is_terminal(await reconciled_status(ctx, row)):
        raise NotFound(NO_MATCHING_RUNS_TO_CANCEL)
    handle = ctx.client.get_workflow_handle(run_workflow_id(run_id))
    try:
        await handle.cancel()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise
    outcome = await _await_outcome(ctx, thread_id, run_id) if wait or action == "rollback" else None
    if action == "rollback":
        await _roll_back(ctx, row)
        return {}
    # Waited for, a cancel answers as the join does (the values the run left), as the official one.
    return outcome if wait else {}


async def _roll_back(ctx: AppContext, row: RunRow) -> None:
    await delete_run_data(ctx.db, row.thread_id, row.run_id)
    await record_state_if_known(ctx, row.thread_id, error=USER_ROLLBACK)


async def cancel_runs(ctx: AppContext, request: RunsCancel, action: str) -> None:
    """Cancel runs by id on one thread, or every pending/running run (optionally of one thread); the
    runs of threads the project's handler filters out are not the caller's to cancel."""
    allowed = await authorize(ctx, "threads", "update", _cancel_value(request.thread_id, action, request.run_ids, request.status))
    async with ctx.db.session() as session:
        if request.run_ids:
            assert request.thread_id is not None
            rows = [await queries.get_run(session, request.thread_id, r) for r in request.run_ids]
            missing = [r for r, row in zip(request.run_ids, rows) if row is None]
            if missing:
                raise NotFound(f"Runs not found on thread {request.thread_id}: {', '.join(missing)}")
            targets = [r for r in rows if r is not None]
        else:
            statuses = ["pending", "running"] if request.status == "all" else [request.status or "pending"]
            targets = list(await queries.runs_with_status(session, statuses, request.thread_id))
        if allowed is not None:
            known = await queries.threads_metadata(session, sorted({row.thread_id for row in targets}))
            owned = {t: matches(known.get(t), allowed) for t in {row.thread_id for row in targets}}
            if request.run_ids and not all(owned.values()):
                raise NotFound(NO_RUNS_TO_CANCEL)
            targets = [row for row in targets if owned[row.thread_id]]
            if not targets:
                raise NotFound(NO_RUNS_TO_CANCEL)
    for row in targets:
        try:
            await cancel_run(ctx, row.thread_id, row.run_id, wait=False, action=action, asked=True)
        except NotFound:
            if request.run_ids:
                raise
            # found active, ended since: nothing to cancel
