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

from activities.storage import RunRow, ThreadRow
from activities.storage import queries
from activities.wire import jsonable
from api.context import AppContext
from api.errors import Conflict, InvalidRequest, NotFound
from api.schemas.runs import RunCreateStateful, RunCreateStateless
from api.services.assistants import resolve_assistant
from api.services.serialize import run_to_wire
from api.services.threads import delete_thread, require_thread
from workflows.run import RunWorkflow
from workflows.status import is_terminal, run_status_from_temporal
from workflows.thread import THREAD_BUSY_ERROR, ThreadInput, ThreadWorkflow
from workflows.types import RunInput, RunResult, SubmitRun, run_workflow_id, thread_workflow_id, uuid7

log = logging.getLogger("agent_server.api")


def _merge_config(assistant_config: dict[str, Any], run_config: dict[str, Any]) -> dict[str, Any]:
    merged = {**assistant_config, **run_config}
    merged["configurable"] = {**assistant_config.get("configurable", {}), **run_config.get("configurable", {})}
    return merged


def _run_kwargs(payload: RunCreateStateful | RunCreateStateless, config: dict[str, Any], temporary: bool) -> dict[str, Any]:
    """The run's `kwargs` as the official server records them."""
    return {
        "input": payload.input,
        "command": payload.command.model_dump() if payload.command else None,
        "config": config,
        "context": payload.context,
        "webhook": payload.webhook,
        "temporary": temporary,
        "stream_mode": payload.stream_modes,
        "feedback_keys": payload.feedback_keys,
        "interrupt_before": payload.interrupt_before,
        "interrupt_after": payload.interrupt_after,
        "subgraphs": payload.stream_subgraphs,
        "resumable": payload.stream_resumable,
        "checkpoint_during": payload.checkpoint_during,
        "durability": payload.durability,
    }


async def _thread_for_run(ctx: AppContext, thread_id: str, if_not_exists: str) -> ThreadRow:
    async with ctx.db.session() as session:
        thread = await queries.get_thread(session, thread_id)
        if thread is None and if_not_exists == "create":
            thread = ThreadRow(thread_id=thread_id, meta={}, config={})
            session.add(thread)
    if thread is None:
        raise NotFound(f"Thread {thread_id} not found")
    return thread


async def create_run(
    ctx: AppContext,
    thread_id: str,
    payload: RunCreateStateful | RunCreateStateless,
    *,
    temporary: bool = False,
) -> dict[str, Any]:
    """Admit a run on a thread: the thread's workflow applies the multitask strategy and starts it."""
    if payload.after_seconds:
        raise InvalidRequest("after_seconds is not supported yet")
    assistant = await resolve_assistant(ctx, payload.assistant_id)
    thread = await _thread_for_run(ctx, thread_id, payload.if_not_exists)
    run_id = uuid7()
    checkpoint_id = getattr(payload, "checkpoint_id", None) or (getattr(payload, "checkpoint", None) or {}).get(
        "checkpoint_id"
    )
    config = _merge_config(assistant.config or {}, payload.config)
    config["configurable"].update(
        run_id=run_id,
        thread_id=thread.thread_id,
        graph_id=assistant.graph_id,
        assistant_id=assistant.assistant_id,
        user_id=config["configurable"].get("user_id", ""),
        checkpoint_id=checkpoint_id,
    )
    config.setdefault("metadata", {}).setdefault("created_by", "system")
    multitask = getattr(payload, "multitask_strategy", "enqueue")
    if multitask in ("interrupt", "rollback"):
        raise InvalidRequest(f"multitask_strategy '{multitask}' is not supported yet; use 'enqueue' or 'reject'")
    kwargs = _run_kwargs(payload, config, temporary)
    run = RunInput(
        run_id=run_id,
        thread_id=thread.thread_id,
        assistant_id=assistant.assistant_id,
        graph_id=assistant.graph_id,
        input=payload.input,
        command=kwargs["command"],
        config={k: v for k, v in config.items() if k != "configurable"}
        | {"configurable": {k: v for k, v in config["configurable"].items() if v is not None}},
        context=payload.context,
        metadata={
            "graph_id": assistant.graph_id,
            "assistant_id": assistant.assistant_id,
            "run_id": run_id,
            "thread_id": thread.thread_id,
            **payload.metadata,
        },
        interrupt_before=payload.interrupt_before,
        interrupt_after=payload.interrupt_after,
        checkpoint_id=checkpoint_id,
        multitask_strategy=multitask,
        kwargs=kwargs,
    )
    await _submit(ctx, run, multitask)
    row = RunRow(
        run_id=run_id,
        thread_id=thread.thread_id,
        assistant_id=assistant.assistant_id,
        status="pending",
        meta=payload.metadata,
        kwargs=kwargs,
        multitask_strategy=multitask,
    )
    async with ctx.db.session() as session:
        await queries.insert_run_if_missing(session, row)
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


async def _reconciled_status(ctx: AppContext, row: RunRow) -> str:
    """The row's status, corrected by Temporal when the workflow ended without recording it."""
    if is_terminal(row.status):
        return row.status
    try:
        description = await ctx.client.get_workflow_handle(run_workflow_id(row.run_id)).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return row.status
        raise
    status = run_status_from_temporal(description.status, row.status)
    if is_terminal(status):
        async with ctx.db.session() as session:
            await queries.set_run_status(session, row.run_id, status)
    return status


async def require_run(ctx: AppContext, thread_id: str, run_id: str) -> RunRow:
    async with ctx.db.session() as session:
        row = await queries.get_run(session, thread_id, run_id)
    if row is None:
        raise NotFound(f"Run {run_id} not found on thread {thread_id}")
    return row


async def get_run(ctx: AppContext, thread_id: str, run_id: str) -> dict[str, Any]:
    row = await require_run(ctx, thread_id, run_id)
    return run_to_wire(row, await _reconciled_status(ctx, row))


async def list_runs(ctx: AppContext, thread_id: str, limit: int, offset: int, status: str | None) -> list[dict[str, Any]]:
    await require_thread(ctx, thread_id)
    async with ctx.db.session() as session:
        rows = await queries.list_runs(session, thread_id, limit=limit, offset=offset, status=status)
    return [run_to_wire(r) for r in rows]


async def join_run(ctx: AppContext, thread_id: str, run_id: str) -> Any:
    """Wait for the run to end (server side, no polling) and return the thread's values."""
    await require_run(ctx, thread_id, run_id)
    handle = ctx.client.get_workflow_handle_for(RunWorkflow.run, run_workflow_id(run_id))
    try:
        result: RunResult = await handle.result()
    except WorkflowFailureError as exc:
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.details:
            return {"__error__": cause.details[0]}
        return {"__error__": {"error": type(cause).__name__, "message": str(cause)}}
    return jsonable(result.values)


async def wait_run(
    ctx: AppContext, thread_id: str | None, payload: RunCreateStateful | RunCreateStateless
) -> Any:
    """Create a run and return the thread's values once it ends; stateless runs use a temporary thread."""
    if thread_id is not None:
        run = await create_run(ctx, thread_id, payload)
        return await join_run(ctx, thread_id, run["run_id"])
    assert isinstance(payload, RunCreateStateless)
    temporary_thread = uuid7()
    keep = payload.on_completion == "keep"
    stateless = payload.model_copy(update={"if_not_exists": "create"})
    run = await create_run(ctx, temporary_thread, stateless, temporary=not keep)
    try:
        return await join_run(ctx, temporary_thread, run["run_id"])
    finally:
        if not keep:
            await delete_thread(ctx, temporary_thread)
