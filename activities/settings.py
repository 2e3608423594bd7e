"""Settings for the API, the worker and the dev supervisor (environment variables, official names)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.types import TASK_QUEUE

_BUNDLED_CONFIG = Path(__file__).resolve().parent.parent / "agents" / "langgraph.json"


def default_config_path() -> Path:
    """`./langgraph.json` when the working directory has one, else the bundled default project."""
    local = Path.cwd() / "langgraph.json"
    return local if local.is_file() else _BUNDLED_CONFIG


class Settings(BaseSettings):
    """One place for every knob; built by `get_settings()` or by tests, never at import time."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    langgraph_config: Path = Field(default_factory=default_config_path)
    data_dir: Path = Path(".agent-server")
    # Empty means the SQLite file `<data_dir>/agent-server.db`.
    database_uri: str = ""
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = TASK_QUEUE
    # Concurrent graph steps (activities) per worker; runs themselves are not limited by it.
    n_jobs_per_worker: int = 100
    # A run that takes longer than this ends with status `timeout`.
    bg_job_timeout_secs: float = 3600.0
    node_timeout_secs: float = 600.0
    # A dead worker's node is retried elsewhere this long after its last heartbeat (sent every 0.5 s):
    # it bounds crash recovery (kill -9 to the node done again: 7.0 s at 5 s; 20 runs: 7.8 s), and a
    # node that blocks the event loop this long is taken for dead.
    node_heartbeat_timeout_secs: float = 5.0
    node_max_attempts: int = 5
    # Run workflows in Temporal's determinism sandbox (safer; costs worker CPU per workflow task).
    workflow_sandbox: bool = True
    # How long a thread's admission workflow stays open after its last run (0: it closes at once; a
    # window costs a timer and a workflow task per run and saves nothing measurable).
    thread_idle_secs: float = 0.0
    # How often the API deletes threads whose TTL has passed.
    thread_ttl_sweep_secs: float = 60.0
    # On SIGTERM the API waits this long for open requests (streams, joins) before cutting them.
    shutdown_grace_secs: float = 3.0
    # How long nodes' stream items (tokens, custom writes) gather before one signal carries them to
    # the run: every batch costs ~4 history events (~8 with a subscriber). 10 ms gives ~20 ms delivery
    # (temporal-facts.md §7) but one batch per token; 50 ms keeps a 1000-token answer near 2 K events.
    stream_batch_ms: int = 50
    # A quiet SSE stream sends a comment this often, so proxies and clients keep it open.
    stream_heartbeat_secs: float = 15.0
    # Payloads (graph state, node inputs and results, stream batches) above this size are kept in the
    # database and travel through Temporal as a small claim: Temporal refuses payloads over 2 MB.
    payload_storage_threshold_bytes: int = 256 * 1024
    # Such blobs are deleted this long after they were last stored: longer than a run can last plus
    # Temporal's retention of closed workflows (a replay or reset of a run reads them again).
    payload_blob_ttl_hours: float = 7 * 24.0
    # Attempts at delivering a run's webhook (backoff from 1 s, doubling, at most 60 s apart).
    webhook_max_attempts: int = 5
    # Request bodies above this size are refused with 413.
    max_body_bytes: int = 50 * 1024 * 1024
    # Origins browsers may call the API from (comma-separated; `*`: any), as the official server's
    # CORS_ALLOW_ORIGINS. `http.cors` in langgraph.json replaces the whole policy (api/cors.py).
    cors_allow_origins: str = "*"
    # Keys the API demands as `x-api-key` (comma-separated); `API_AUTH=off` serves the API open even
    # when bound beyond loopback, where a key is otherwise made and required (api/api_keys.py).
    api_keys: str = ""
    api_auth: str = "auto"
    # `host:port` where a worker serves the Temporal SDK's Prometheus metrics (node activity latency
    # by `<graph>.<node>`, run workflows' end-to-end latency, task slots); empty: not served.
    worker_metrics_address: str = ""
    # The path the whole API is served under (`http.mount_prefix` in langgraph.json wins).
    mount_prefix: str = ""

    @property
    def stream_batch_interval(self) -> timedelta:
        return timedelta(milliseconds=self.stream_batch_ms)

    @property
    def database_url(self) -> str:
        """The database URI, defaulting to a SQLite file in the data dir."""
        if self.database_uri:
            return self.database_uri
        return f"sqlite:///{(self.data_dir / 'agent-server.db').resolve()}"

    @property
    def run_timeout(self) -> timedelta:
        """Execution timeout of a run workflow."""
        return timedelta(seconds=self.bg_job_timeout_secs)


@lru_cache
def get_settings() -> Settings:
    """Settings from the environment, built once per process."""
    return Settings()
