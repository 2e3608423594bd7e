"""Heartbeats for every graph node, so users' nodes need no Temporal code.

A node activity with a heartbeat timeout gets a background task that heartbeats at a third of
it. A worker crash is then noticed within the heartbeat timeout instead of the node's whole
start-to-close timeout, and a cancel reaches the node at its next heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)


HEARTBEAT_EVERY_SECS = 0.5


class _HeartbeatingActivity(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        if info.is_local or not info.heartbeat_timeout:
            return await self.next.execute_activity(input)
        # A third of the timeout, and at least every half second so a cancel arrives promptly.
        interval = min(max(info.heartbeat_timeout.total_seconds() / 3, 0.05), HEARTBEAT_EVERY_SECS)

        async def beat() -> None:
            # The timeout counts from the start, so the first beat waits one interval: a node that
            # ends sooner costs no heartbeat call (the server persists each one it gets).
            while True:
                await asyncio.sleep(interval)
                activity.heartbeat()

        beater = asyncio.create_task(beat())
        try:
            return await self.next.execute_activity(input)
        finally:
            beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beater


class HeartbeatInterceptor(Interceptor):
    """Worker interceptor that heartbeats activities configured with a heartbeat timeout."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _HeartbeatingActivity(next)
