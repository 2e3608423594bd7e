"""The one status table."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowExecutionStatus as S

from workflows.status import is_terminal, run_status_from_temporal, thread_status_after_run


@pytest.mark.parametrize(
    ("execution", "recorded", "expected"),
    [
        (None, None, "pending"),
        (None, "pending", "pending"),
        (S.RUNNING, "pending", "pending"),
        (S.RUNNING, "running", "running"),
        (S.COMPLETED, "running", "success"),
        (S.FAILED, "running", "error"),
        (S.TIMED_OUT, "running", "timeout"),
        (S.CANCELED, "pending", "interrupted"),
        (S.TERMINATED, "running", "error"),
        (S.CONTINUED_AS_NEW, "running", "running"),
        # The workflow's own recorded outcome wins once it is final.
        (S.FAILED, "error", "error"),
        (S.COMPLETED, "success", "success"),
        (S.CANCELED, "interrupted", "interrupted"),
        (S.RUNNING, "success", "success"),
    ],
)
def test_run_status_from_temporal(execution: S | None, recorded: str | None, expected: str) -> None:
    assert run_status_from_temporal(execution, recorded) == expected


def test_every_temporal_status_is_mapped() -> None:
    for execution in S:
        assert run_status_from_temporal(execution, "running") in {"running", "success", "error", "timeout", "interrupted"}


@pytest.mark.parametrize(
    ("run_status", "interrupted", "others", "expected"),
    [
        ("success", False, False, "idle"),
        ("success", True, False, "interrupted"),
        ("error", False, False, "error"),
        ("timeout", False, False, "error"),
        ("interrupted", False, False, "idle"),
        ("success", False, True, "busy"),
        ("error", False, True, "busy"),
    ],
)
def test_thread_status_after_run(run_status: str, interrupted: bool, others: bool, expected: str) -> None:
    assert thread_status_after_run(run_status, interrupted, others) == expected


@pytest.mark.parametrize(("status", "terminal"), [("pending", False), ("running", False), ("success", True), ("error", True), ("timeout", True), ("interrupted", True)])
def test_is_terminal(status: str, terminal: bool) -> None:
    assert is_terminal(status) is terminal
