"""WebhookWorkflow (`webhook-{run_id}`): POSTs a finished run to its `webhook`.

A run with a webhook starts it as an abandoned child once its outcome is recorded, and ends without
waiting for it: a slow or failing receiver never delays the run's result. The call is one activity
(`send_webhook`, activities/webhooks.py) with bounded, backed-off attempts; a webhook that never got
through shows as a failed workflow beside its run in the Temporal UI.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.webhooks import REQUEST_TIMEOUT_SECS, WebhookActivities, WebhookCall
    from activities.wire import jsonable
    from workflows.types import RunInput, uuid7_time

WEBHOOK_WORKFLOW_PREFIX = "webhook-"


@dataclass(frozen=True)
class WebhookJob:
    call: WebhookCall
    max_attempts: int = 5


@workflow.defn
class WebhookWorkflow:
    @workflow.run
    async def run(self, job: WebhookJob) -> int | None:
        return await workflow.execute_activity_method(
            WebhookActivities.send_webhook,
            job.call,
            start_to_close_timeout=timedelta(seconds=REQUEST_TIMEOUT_SECS + 10),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(seconds=60),
                maximum_attempts=job.max_attempts,
            ),
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def webhook_payload(
    run: RunInput, status: str, values: Any, error: Any, started_at: datetime | None, ended_at: datetime
) -> dict[str, Any]:
    """The official payload: the run as the API shows it, its end, the thread's final values, its error."""
    payload: dict[str, Any] = {
        "run_id": run.run_id,
        "thread_id": run.thread_id,
        "assistant_id": run.assistant_id,
        "created_at": _iso(uuid7_time(run.run_id)),
        "updated_at": _iso(ended_at),
        "status": status,
        "metadata": run.metadata,
        "kwargs": run.kwargs,
        "multitask_strategy": run.multitask_strategy,
        "run_started_at": _iso(started_at or ended_at),
        "run_ended_at": _iso(ended_at),
        "values": jsonable(values),
    }
    if error is not None:
        payload["error"] = error
    return payload


async def start_webhook(run: RunInput, payload: dict[str, Any]) -> None:
    """Start the run's webhook workflow and return once it has started (it runs on by itself)."""
    await workflow.start_child_workflow(
        WebhookWorkflow.run,
        WebhookJob(WebhookCall(url=run.kwargs["webhook"], payload=payload), max_attempts=run.webhook_attempts),
        id=f"{WEBHOOK_WORKFLOW_PREFIX}{run.run_id}",
        parent_close_policy=ParentClosePolicy.ABANDON,
        static_summary=f"webhook of run {run.run_id}",
    )
