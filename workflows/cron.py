"""CronFireWorkflow: the action of a cron's Temporal Schedule (`cron-{cron_id}`).

Each firing is one short workflow (`cron-{cron_id}-<scheduled time>`, the id Temporal gives a
schedule's action) whose activity creates an ordinary run through the API's own admission path
(api/services/crons.py::CronFiring): the cron's run fields, its thread or a new one, its
multitask strategy, its webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

CRON_SCHEDULE_PREFIX = "cron-"


def cron_schedule_id(cron_id: str) -> str:
    """The Temporal Schedule of a cron (`temporal schedule describe --schedule-id cron-<id>`)."""
    return f"{CRON_SCHEDULE_PREFIX}{cron_id}"


@dataclass(frozen=True)
class CronFire:
    cron_id: str


@workflow.defn
class CronFireWorkflow:
    @workflow.run
    async def run(self, fire: CronFire) -> str | None:
        """The id of the run this firing created (None: the cron is gone)."""
        return await workflow.execute_activity(
            "fire_cron",
            fire,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5),
        )
