"""Reconcile what the store says about runs with what Temporal knows.

A run's workflow records its own end through `finish_run`. When it ends from outside instead (the
`temporal` CLI, an execution timeout, a termination), nothing records it: readers of runs and busy
threads ask Temporal (`describe`) and write the outcome back through the status table.
"""

from __future__ import annotations

from typing import Any

from temporalio.client import WorkflowFailureError
from temporalio.exceptions import ApplicationError, CancelledError, TerminatedError
from temporalio.exceptions import TimeoutError as WorkflowTimeoutError
from temporalio.service import RPCError, RPCStatusCode

from activities.storage import RunRow
from activities.storage import queries
from api.context import AppContext
from workflows.status import is_terminal, run_status_from_temporal
from workflows.types import run_workflow_id


def failure_payload(exc: WorkflowFailureError, run_id: str) -> dict[str, Any] | None:
    """The official `{"error", "message"}` of a failed run workflow; None if it was cancelled or
    terminated (the run then kept what it wrote, and that is not an error to report)."""
    cause = exc.cause
    if isinstance(cause, (CancelledError, TerminatedError)):
        return None
    if isinstance(cause, ApplicationError) and cause.details:
        return dict(cause.details[0])
    if isinstance(cause, WorkflowTimeoutError):
        return {"error": "TimeoutError", "message": f"Run {run_id} exceeded its time limit"}
    return {"error": type(cause).__name__, "message": str(cause)}


async def reconciled_status(ctx: AppContext, row: RunRow) -> str:
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
            await queries.record_outside_end(session, row.run_id, status)
    return status


async def reconcile_thread_runs(ctx: AppContext, thread_id: str) -> bool:
    """Reconcile a busy thread's active runs; True if any of them had ended unrecorded."""
    async with ctx.db.session() as session:
        active = await queries.active_runs(session, thread_id)
    changed = False
    for run in active:
        changed |= is_terminal(await reconciled_status(ctx, run))
    return changed
