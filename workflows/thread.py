"""ThreadWorkflow (`thread-{thread_id}`): the thread's single writer for admission decisions.

Every create request is an update-with-start on this workflow. Temporal serializes the updates, so
concurrent requests from any number of API processes cannot race: the multitask strategy is
applied here, each accepted run is started as its own child workflow (`run-{run_id}`), and runs
execute one at a time in submission order. The workflow closes after a short idle period.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():

    from activities.messages import RollBackRun
    from activities.persistence import PersistenceActivities
    from workflows.run import RunWorkflow
    from workflows.types import Admission, RunResult, SubmitRun, run_workflow_id

THREAD_BUSY_MESSAGE = (
    "Thread is already running a task. Wait for it to finish or choose a different multitask strategy."
)
THREAD_BUSY_ERROR = "ThreadBusy"
RUN_TASK_TIMEOUT = timedelta(seconds=4)


@dataclass(frozen=True)
class ThreadInput:
    """Admission settings for one thread, fixed by the API that started it."""

    thread_id: str
    # 0: close as soon as the last run ends (an idle window costs a timer and a workflow task per
    # run, and a new admission workflow costs no more than an update to an open one).
    idle_seconds: float = 0.0
    run_timeout_seconds: float = 3600.0


@dataclass
class _Ticket:
    run_id: str
    queued: bool
    handle: ChildWorkflowHandle[Any, RunResult] | None = None
    # Set when a later run was admitted with `rollback`: once this run has stopped, it is deleted
    # with the checkpoints it wrote, before the next run starts.
    roll_back: bool = False


def _search_attributes(values: dict[str, str]) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [SearchAttributePair(SearchAttributeKey.for_keyword(k), v) for k, v in values.items()]
    )


@workflow.defn
class ThreadWorkflow:
    """Admits runs to one thread and runs them in order."""

    @workflow.init
    def __init__(self, input: ThreadInput) -> None:
        self._input = input
        self._queue: deque[_Ticket] = deque()
        self._active: _Ticket | None = None

    def _busy(self) -> bool:
        return self._active is not None or bool(self._queue)

    @workflow.query
    def queue(self) -> list[str]:
        """Run ids admitted and not yet finished, the active one first."""
        active = [self._active.run_id] if self._active else []
        return active + [t.run_id for t in self._queue]

    async def _stop(self, earlier: list[_Ticket], roll_back: bool) -> None:
        """`interrupt` / `rollback`: cancel the runs admitted before (they end `interrupted`,
        keeping what they wrote); with rollback they are deleted once stopped."""
        for ticket in earlier:
            ticket.roll_back = ticket.roll_back or roll_back
            await workflow.wait_condition(lambda t=ticket: t.handle is not None)  # type: ignore[misc]
            try:
                await workflow.get_external_workflow_handle(run_workflow_id(ticket.run_id)).cancel()
            except Exception as exc:  # it ended meanwhile
                workflow.logger.info("run %s could not be cancelled: %s", ticket.run_id, exc)

    @workflow.update
    async def submit(self, request: SubmitRun) -> Admission:
        """Admit a run: start it now if the thread is idle, else queue it behind the others
        (first stopping the runs before it with `interrupt` or `rollback`)."""
        earlier = ([self._active] if self._active else []) + list(self._queue)
        ticket = _Ticket(run_id=request.run.run_id, queued=bool(earlier))
        # Reserve the place before awaiting, so updates handled in the same task see a busy thread.
        self._queue.append(ticket)
        try:
            ticket.handle = await workflow.start_child_workflow(
                RunWorkflow.run,
                replace(request.run, wait_for_turn=ticket.queued),
                id=run_workflow_id(request.run.run_id),
                parent_close_policy=ParentClosePolicy.ABANDON,
                execution_timeout=timedelta(seconds=self._input.run_timeout_seconds),
                # A worker killed in the middle of a workflow task (stream polls make that likely)
                # holds the run for this long before another worker takes over; default 10 s.
                task_timeout=RUN_TASK_TIMEOUT,
                search_attributes=_search_attributes(request.search_attributes),
                static_summary=f"{request.run.graph_id} on thread {request.run.thread_id}",
            )
        except Exception as exc:
            self._queue.remove(ticket)
            raise ApplicationError(f"could not start run {request.run.run_id}: {exc}", type="RunStartFailed") from exc
        if earlier and request.multitask_strategy in ("interrupt", "rollback"):
            await self._stop(earlier, roll_back=request.multitask_strategy == "rollback")
        return Admission(run_id=request.run.run_id, queued=ticket.queued)

    @submit.validator
    def validate_submit(self, request: SubmitRun) -> None:
        # Rejected in the validator, a refused run leaves no trace in the thread's history.
        if request.multitask_strategy == "reject" and self._busy():
            raise ApplicationError(THREAD_BUSY_MESSAGE, type=THREAD_BUSY_ERROR, non_retryable=True)

    @workflow.run
    async def run(self, input: ThreadInput) -> None:
        while True:
            if not self._queue:
                try:
                    if input.idle_seconds > 0:
                        await workflow.wait_condition(lambda: bool(self._queue), timeout=input.idle_seconds)
                    else:
                        raise asyncio.TimeoutError
                except asyncio.TimeoutError:
                    # Let in-flight admissions finish; close only if none of them added a run. An
                    # update that reaches the workflow as it closes fails the closing task (Temporal
                    # does not complete a workflow with an unhandled update), so it is handled here.
                    await workflow.wait_condition(workflow.all_handlers_finished)
                    if not self._queue:
                        return
            ticket = self._queue[0]
            self._active = ticket
            await workflow.wait_condition(lambda: ticket.handle is not None)
            self._queue.popleft()
            assert ticket.handle is not None
            if ticket.queued:
                try:
                    await ticket.handle.signal(RunWorkflow.begin)
                except Exception as exc:  # the run was cancelled or terminated while it waited
                    workflow.logger.info("queued run %s could not begin: %s", ticket.run_id, exc)
            try:
                await ticket.handle
            except Exception as exc:  # the run records its own outcome; the thread just moves on
                workflow.logger.info("run %s ended with %s", ticket.run_id, type(exc).__name__)
            if ticket.roll_back:
                # Before the next run reads the thread's latest checkpoint.
                await workflow.execute_local_activity_method(
                    PersistenceActivities.roll_back_run,
                    RollBackRun(thread_id=input.thread_id, run_id=ticket.run_id),
                    start_to_close_timeout=timedelta(seconds=30),
                )
            self._active = None
