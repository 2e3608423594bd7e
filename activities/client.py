"""The Temporal client every process uses (same address settings, same data converter)."""

from __future__ import annotations

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from activities.converter import data_converter
from activities.payload_storage import external_storage
from activities.settings import Settings
from activities.storage import Database


async def connect(settings: Settings, db: Database, *, serve_metrics: bool = False) -> Client:
    """A Temporal client with the LangChain-aware data converter; payloads above the threshold are
    kept in `db` (API and workers must share the database, as they already do for checkpoints).
    `serve_metrics` (a worker's): the SDK's Prometheus metrics at `WORKER_METRICS_ADDRESS`, if set."""
    storage = external_storage(db, settings.payload_storage_threshold_bytes)
    runtime = None
    if serve_metrics and settings.worker_metrics_address:
        runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=settings.worker_metrics_address)))
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(storage),
        **({"runtime": runtime} if runtime is not None else {}),
    )
