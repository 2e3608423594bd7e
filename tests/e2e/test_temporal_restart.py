"""kill -9 of the Temporal server in the middle of a run, then a restart on the same database file:
the run finishes, nothing is lost, the node that had finished does not run again."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from langgraph_sdk import get_client

from activities.binaries import find_binary
from api.cli import _temporal_ready, temporal_dev_command
from tests.conftest import start_stack
from tests.helpers import assert_eventually, free_port

pytestmark = pytest.mark.timeout(150)


class TemporalServer:
    """A dev server of our own, on a database file, that the test can kill and start again."""

    def __init__(self, tmp: Path) -> None:
        binary = find_binary("temporal")
        assert binary is not None
        self.port = free_port()
        self.command = temporal_dev_command(binary, tmp / "temporal.db", self.port, None, free_port(), free_port())
        self.binary = binary
        self.log = open(tmp / "temporal.log", "ab")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        import time

        deadline = time.monotonic() + 30
        while not _temporal_ready(self.binary, self.address):
            assert self.proc.poll() is None and time.monotonic() < deadline, "temporal did not start"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def temporal_server(tmp_path: Path) -> Iterator[TemporalServer]:
    server = TemporalServer(tmp_path)
    server.start()
    yield server
    server.stop()


async def test_temporal_server_killed_mid_run(temporal_server: TemporalServer, tmp_path: Path) -> None:
    stack = start_stack(None, tmp_path / "stack", address=temporal_server.address)
    try:
        client = get_client(url=stack.url)
        log, gate = tmp_path / "exec.log", tmp_path / "gate"
        tid = (await client.threads.create())["thread_id"]
        run = await client.runs.create(tid, "gated", input={"label": "t", "log_file": str(log), "gate": str(gate)})

        def in_the_node() -> None:
            assert log.exists() and "t:wait-started" in log.read_text().splitlines()

        await assert_eventually(in_the_node)
        temporal_server.kill()
        temporal_server.start()  # same database file
        gate.touch()

        values = await client.runs.join(tid, run["run_id"])
        assert values["trace"] == ["t:first", "t:wait", "t:last"]
        assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"
        executions = log.read_text().splitlines()
        print(f"\nexecutions across the Temporal restart: {executions}")
        assert executions.count("t:first") == 1, executions  # finished before the crash: never again
        assert executions.count("t:last") == 1, executions
        # The thread takes new runs on the restarted server.
        assert (await client.runs.wait(tid, "gated", input={"label": "n", "gate": ""}))["trace"][-1] == "n:last"
    finally:
        stack.stop()
