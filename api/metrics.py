"""`/metrics`: Prometheus text (the default) and `?format=json`, as the official server serves them,
with what this server can say besides.

Reference-shaped: `lg_api_http_requests_total` and `lg_api_http_requests_latency` (per method,
route and status, milliseconds), the queue (`lg_api_num_pending_runs`, `lg_api_num_running_runs`,
the pending runs' wait; JSON `queue`), and the process' own figures. Ours: runs in the database by
status, a histogram of the stored finished runs' durations, the streams this API process has open
(SSE and WebSocket), and the Temporal task queue's backlog and pollers. The database and Temporal
figures are read at scrape time (a few aggregate queries and one DescribeTaskQueue); node activity
latency by graph and node lives in the workers: each serves the Temporal SDK's metrics
(`temporal_activity_execution_latency{activity_type="<graph>.<node>"}`,
`temporal_workflow_endtoend_latency`) at `WORKER_METRICS_ADDRESS`.
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import case, func, select
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

from activities.storage import RunRow
from api.context import AppContext
from api.services.serialize import utc
from workflows.status import TERMINAL_RUN_STATUSES

log = logging.getLogger("agent_server.api")

REGISTRY = CollectorRegistry(auto_describe=True)
for collector in (ProcessCollector, GCCollector, PlatformCollector):
    collector(registry=REGISTRY)
HTTP_REQUESTS = Counter("lg_api_http_requests", "HTTP requests served", ["method", "path", "status"], registry=REGISTRY)
HTTP_LATENCY = Histogram(
    "lg_api_http_requests_latency", "HTTP request latency (ms)", ["method", "path", "status"], registry=REGISTRY,
    buckets=(10, 100, 500, 1000, 5000, 15000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000),
)
# Finished runs' durations (seconds) in the database, for the gauge histogram.
RUN_DURATION_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0)
_active_streams = 0


@contextlib.contextmanager
def counted_stream() -> Iterator[None]:
    """Counts an open stream (SSE or WebSocket) for `agent_server_active_streams`."""
    global _active_streams
    _active_streams += 1
    try:
        yield
    finally:
        _active_streams -= 1


class HttpMetrics:
    """Counts and times each HTTP request by its route (its path template, so ids do not multiply series)."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "<unmatched>"
            labels = (scope.get("method", "GET"), path, str(status["code"]))
            HTTP_REQUESTS.labels(*labels).inc()
            HTTP_LATENCY.labels(*labels).observe((time.perf_counter() - started) * 1000)


def _seconds(session_dialect: str, later: Any, earlier: Any) -> Any:
    if session_dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


async def _database_figures(ctx: AppContext) -> dict[str, Any]:
    runs = RunRow.__table__.c  # type: ignore[attr-defined]
    async with ctx.db.session() as session:
        dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
        by_status = {s: int(n) for s, n in (await session.execute(select(runs.status, func.count()).group_by(runs.status))).all()}
        pending = (await session.execute(select(runs.created_at, runs.thread_id).where(runs.status == "pending"))).all()
        busy = {t for (t,) in (await session.execute(select(runs.thread_id).where(runs.status == "running").distinct())).all()}
        duration = _seconds(dialect, runs.updated_at, runs.created_at)
        columns = [func.sum(case((duration <= bound, 1), else_=0)) for bound in RUN_DURATION_BUCKETS]
        finished = runs.status.in_(sorted(TERMINAL_RUN_STATUSES))
        row = (await session.execute(select(func.count(), func.sum(duration), *columns).where(finished))).one()
    now = time.time()
    waits = [now - _epoch(created) for created, _ in pending]
    unblocked = [now - _epoch(created) for created, thread in pending if thread not in busy]
    return {
        "queue": {
            "n_pending": len(pending),
            "pending_runs_wait_time_max_secs": max(waits) if waits else None,
            "pending_runs_wait_time_med_secs": statistics.median(waits) if waits else None,
            "pending_unblocked_runs_wait_time_max_secs": max(unblocked) if unblocked else None,
            "n_running": by_status.get("running", 0),
        },
        "runs": {"by_status": by_status},
        "run_durations": {
            "count": int(row[0] or 0), "sum_secs": float(row[1] or 0.0),
            "buckets": {str(b): int(n or 0) for b, n in zip(RUN_DURATION_BUCKETS, row[2:], strict=True)},
        },
    }


def _epoch(moment: Any) -> float:
    return utc(moment).timestamp()


async def _temporal_figures(ctx: AppContext) -> dict[str, Any]:
    found: dict[str, Any] = {"task_queue": ctx.settings.task_queue}
    for label, kind in (("workflow", TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW), ("activity", TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)):
        try:
            described = await ctx.client.workflow_service.describe_task_queue(DescribeTaskQueueRequest(
                namespace=ctx.client.namespace, task_queue=TaskQueue(name=ctx.settings.task_queue),
                task_queue_type=kind, report_stats=True,
            ))
        except Exception as exc:  # a scrape must not fail because Temporal is away: the figure is missing
            log.info("metrics: could not describe task queue %s: %s", ctx.settings.task_queue, exc)
            continue
        found[f"{label}_backlog"] = int(described.stats.approximate_backlog_count)
        found[f"{label}_pollers"] = len({p.identity for p in described.pollers})
    return found


async def snapshot(ctx: AppContext) -> dict[str, Any]:
    """Everything `/metrics?format=json` shows (the official `queue`, `api` and `workers`, and ours)."""
    figures = await _database_figures(ctx)
    temporal = await _temporal_figures(ctx)
    requests = [
        {"method": s.labels["method"], "path": s.labels["path"], "status": s.labels["status"], "count": int(s.value)}
        for metric in HTTP_REQUESTS.collect() for s in metric.samples if s.name.endswith("_total")
    ]
    return {
        "queue": figures["queue"],
        "api": {"http_requests_total": requests},
        "workers": {"active": figures["queue"]["n_running"], "pollers": temporal.get("activity_pollers")},
        "runs": figures["runs"],
        "run_durations": figures["run_durations"],
        "streams": {"active": _active_streams},
        "temporal": temporal,
    }


class _Snapshot:
    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Any]:
        queue, temporal = self.figures["queue"], self.figures["temporal"]
        yield GaugeMetricFamily("lg_api_num_pending_runs", "Runs waiting to start", value=queue["n_pending"])
        yield GaugeMetricFamily("lg_api_num_running_runs", "Runs running", value=queue["n_running"])
        for key in ("pending_runs_wait_time_max_secs", "pending_runs_wait_time_med_secs", "pending_unblocked_runs_wait_time_max_secs"):
            if queue[key] is not None:
                yield GaugeMetricFamily(f"lg_api_{key}", "Seconds the pending runs have waited", value=queue[key])
        runs = GaugeMetricFamily("agent_server_runs", "Runs in the database by status", labels=["status"])
        for status, count in sorted(self.figures["runs"]["by_status"].items()):
            runs.add_metric([status], count)
        yield runs
        durations = self.figures["run_durations"]
        buckets = [(bound, count) for bound, count in durations["buckets"].items()] + [("+Inf", durations["count"])]
        yield GaugeHistogramMetricFamily(
            "agent_server_run_duration_seconds", "Durations of the finished runs in the database (creation to end)",
            buckets=buckets, gsum_value=durations["sum_secs"],
        )
        yield GaugeMetricFamily("agent_server_active_streams", "Streams this API process has open (SSE and WebSocket)", value=self.figures["streams"]["active"])
        for label in ("workflow", "activity"):
            if f"{label}_backlog" in temporal:
                yield GaugeMetricFamily(
                    f"agent_server_temporal_{label}_backlog", f"Approximate {label} tasks waiting on the task queue",
                    value=temporal[f"{label}_backlog"],
                )
                yield GaugeMetricFamily(
                    f"agent_server_temporal_{label}_pollers", f"Worker processes polling the task queue for {label} tasks",
                    value=temporal[f"{label}_pollers"],
                )


class _Scrape:
    def __init__(self, figures: dict[str, Any]) -> None:
        self.parts = (REGISTRY, _Snapshot(figures))

    def collect(self) -> Iterator[Any]:
        for part in self.parts:
            yield from part.collect()


async def prometheus_text(ctx: AppContext) -> bytes:
    return generate_latest(_Scrape(await snapshot(ctx)))  # type: ignore[arg-type]

