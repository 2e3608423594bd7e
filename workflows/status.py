"""The one status table: Temporal execution status and recorded outcomes -> wire statuses.

Nothing else in the code base maps statuses; every reader and writer calls these functions.
"""

from __future__ import annotations

from typing import Literal

from temporalio.client import WorkflowExecutionStatus

RunStatus = Literal["pending", "running", "error", "success", "timeout", "interrupted"]
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]

TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"success", "error", "timeout", "interrupted"})
ACTIVE_RUN_STATUSES: frozenset[str] = frozenset({"pending", "running"})

_FROM_TEMPORAL: dict[WorkflowExecutionStatus, RunStatus] = {
    WorkflowExecutionStatus.RUNNING: "running",
    WorkflowExecutionStatus.COMPLETED: "success",
    WorkflowExecutionStatus.FAILED: "error",
    WorkflowExecutionStatus.TIMED_OUT: "timeout",
    WorkflowExecutionStatus.CANCELED: "interrupted",
    WorkflowExecutionStatus.TERMINATED: "error",
    # A continued-as-new run is followed to its latest execution; until then it is still running.
    WorkflowExecutionStatus.CONTINUED_AS_NEW: "running",
}


def is_terminal(status: str) -> bool:
    """Whether a run status is final."""
    return status in TERMINAL_RUN_STATUSES


def run_status_from_temporal(
    execution: WorkflowExecutionStatus | None, recorded: str | None
) -> RunStatus:
    """Reconcile a run's recorded status with its workflow's execution status.

    The workflow records its own outcome (through `finish_run`), which wins once it is terminal.
    Otherwise Temporal knows better: a workflow that closed without recording an outcome was
    cancelled, terminated or timed out from outside (the CLI, an operator).
    """
    if recorded is not None and is_terminal(recorded):
        return recorded  # type: ignore[return-value]
    if execution is None:
        return (recorded or "pending")  # type: ignore[return-value]
    mapped = _FROM_TEMPORAL[execution]
    if mapped == "running" and recorded == "pending":
        return "pending"
    return mapped


def thread_status_after_run(run_status: str, interrupted: bool, other_active_runs: bool) -> ThreadStatus:
    """Thread status once a run has ended, as the official server computes it.

    `interrupted` means the latest checkpoint has interrupts or nodes still to run.
    """
    if other_active_runs:
        return "busy"
    if run_status == "error" or run_status == "timeout":
        return "error"
    if interrupted:
        return "interrupted"
    return "idle"


def thread_status_at_rest(has_pending_nodes: bool, has_interrupts: bool) -> ThreadStatus:
    """Thread status after its state changed outside a run (a state update, a copy, seeded supersteps)."""
    return "interrupted" if has_pending_nodes or has_interrupts else "idle"


# What a thread shows as its error after its run was stopped, as the official server words it.
USER_INTERRUPT = {
    "error": "UserInterrupt",
    "message": "interrupt requested via POST /threads/{thread_id}/runs/{run_id}/cancel",
}
USER_ROLLBACK = {
    "error": "UserRollback",
    "message": "rollback requested via POST /threads/{thread_id}/runs/{run_id}/cancel",
}
