"""`agent-server dev` restarts a child that dies: kill -9 of the worker, the API or the Temporal dev
server leaves a working stack; a child that keeps crashing at once stops the stack instead of spinning."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.cli import _Child, _supervise
from tests.helpers import assert_eventually, free_port

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "differential" / "api_project" / "langgraph.json"
AGENT_SERVER = Path(sys.executable).parent / "agent-server"
ECHO_OUTPUT = {"items": ["first", "second"], "count": 2}


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _temporal_ports() -> int:
    """A port T with T, T+1 and T+2 free: the dev server's gRPC, HTTP and metrics ports."""
    for _ in range(50):
        port = free_port()
        if port + 2 < 65536 and _port_free(port + 1) and _port_free(port + 2):
            return port
    raise RuntimeError("no three consecutive free ports")


def _children(pid: int) -> dict[int, list[str]]:
    """The child processes of `pid`: their PIDs and command lines."""
    found: dict[int, list[str]] = {}
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            except OSError:  # exited meanwhile
                continue
            found[int(child)] = [part.decode() for part in cmdline if part]
    return found


class Dev:
    """`agent-server dev` on free ports, its output in a log file."""

    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.temporal_port = _temporal_ports()
        self.log_path = tmp / "dev.log"
        self.log = open(self.log_path, "ab")
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URI", "TASK_QUEUE", "TEMPORAL_ADDRESS")}
        self.proc = subprocess.Popen(
            [
                str(AGENT_SERVER), "dev", "--config", str(PROJECT), "--port", str(self.port),
                "--data-dir", str(tmp / "data"), "--temporal-port", str(self.temporal_port),
                "--temporal-ui-port", str(free_port()),
            ],
            cwd=tmp,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def child(self, *marker: str) -> int:
        """The PID of the one live child whose command line has the words `marker`, in a row."""
        assert self.proc.poll() is None, f"agent-server dev exited with {self.proc.returncode}:\n{self.output()}"
        n = len(marker)
        children = _children(self.proc.pid)
        # A killed child not reaped yet is a zombie, with an empty command line: it does not match.
        pids = [pid for pid, cmd in children.items() if any(tuple(cmd[i:i + n]) == marker for i in range(len(cmd)))]
        assert len(pids) == 1, (marker, children)
        return pids[0]

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def ok(self) -> None:
        assert self.proc.poll() is None, f"agent-server dev exited with {self.proc.returncode}:\n{self.output()}"
        try:
            assert httpx.get(f"{self.url}/ok", timeout=2).status_code == 200
        except httpx.HTTPError as exc:
            raise AssertionError(f"/ok: {exc!r}") from None

    def echo_run(self) -> None:
        try:
            response = httpx.post(
                f"{self.url}/runs/wait", json={"assistant_id": "echo", "input": {"count": 0}}, timeout=30
            )
        except httpx.HTTPError as exc:
            raise AssertionError(f"/runs/wait: {exc!r}") from None
        assert response.status_code == 200, response.text
        assert response.json() == ECHO_OUTPUT

    def stop(self) -> int:
        """SIGTERM, as Ctrl-C would; if it hangs, kill it and the children it left."""
        children = list(_children(self.proc.pid)) if self.proc.poll() is None else []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            for pid in [self.proc.pid, *children]:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[Dev]:
    stack = Dev(tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


async def _replaced(dev: Dev, old_pid: int, *marker: str) -> int:
    """Until a child with `marker` other than `old_pid` runs under the dev process: its PID."""

    def new_child() -> int:
        pid = dev.child(*marker)
        assert pid != old_pid, f"{marker} not restarted yet"
        return pid

    return await assert_eventually(new_child, timeout=30, interval=0.1)


async def test_dev_restarts_a_killed_worker_api_and_temporal(dev: Dev) -> None:
    started = time.monotonic()
    await assert_eventually(dev.ok, timeout=60, interval=0.2)
    dev.echo_run()

    worker = dev.child("-m", "worker")
    os.kill(worker, signal.SIGKILL)
    await _replaced(dev, worker, "-m", "worker")
    dev.echo_run()  # a new thread-less run: served by the new worker

    api = dev.child("-m", "api.cli", "api")
    os.kill(api, signal.SIGKILL)
    await _replaced(dev, api, "-m", "api.cli", "api")
    await assert_eventually(dev.ok, timeout=30, interval=0.1)
    dev.echo_run()

    temporal = dev.child("server", "start-dev")
    worker = dev.child("-m", "worker")
    api = dev.child("-m", "api.cli", "api")
    os.kill(temporal, signal.SIGKILL)
    await _replaced(dev, temporal, "server", "start-dev")
    await assert_eventually(dev.echo_run, timeout=30, interval=0.2)  # the clients reconnect
    # Worker and API rode it out: the same processes.
    assert (dev.child("-m", "worker"), dev.child("-m", "api.cli", "api")) == (worker, api)

    output = dev.output()
    assert "the worker died (exit code -9, killed by SIGKILL); restarting it" in output, output
    assert "the API died (exit code -9, killed by SIGKILL); restarting it" in output, output
    assert "the Temporal dev server died (exit code -9, killed by SIGKILL); restarting it" in output, output
    assert "the Temporal dev server is ready again" in output, output

    children = list(_children(dev.proc.pid))
    assert dev.stop() == 0, dev.output()
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "children left behind"
    print(f"\nkill -9 of worker, API and Temporal survived in {time.monotonic() - started:.1f} s")


def test_a_child_that_keeps_crashing_stops_the_stack(capsys: pytest.CaptureFixture[str]) -> None:
    crashing = _Child("worker", [sys.executable, "-c", "raise SystemExit(3)"], dict(os.environ))
    crashing.start()
    started = time.monotonic()
    assert _supervise([crashing], lambda: False) == 1
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert err.count("the worker died (exit code 3); restarting it") == 4, err
    assert "restarting it in 0.5 s" in err and "restarting it in 2 s" in err, err  # backoff, no spin
    assert "the worker died (exit code 3), 5 times within 60 s; giving up and stopping" in err, err
    assert 3.5 <= elapsed < 30, elapsed


def test_a_graph_that_cannot_load_stops_dev_before_anything_starts(tmp_path: Path) -> None:
    # The check runs in a short-lived child (the supervisor keeps no project imports); its one
    # message must still reach the user, and no Temporal server, worker or API is left behind.
    (tmp_path / "langgraph.json").write_text('{"graphs": {"broken": "./missing.py:graph"}}')
    ended = subprocess.run(
        [str(AGENT_SERVER), "dev", "--config", str(tmp_path / "langgraph.json"), "--data-dir", str(tmp_path / "data")],
        capture_output=True, text=True, timeout=60,
    )
    assert ended.returncode == 1
    assert "cannot start: graph 'broken': file not found" in ended.stderr
    assert not (tmp_path / "data" / "temporal.db").exists()
