"""Fixtures of the differential corpus tests: the reference venv, built once per session."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.differential.reference import ensure_reference_venv


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "differential: runs the tests/corpus projects against the official `langgraph dev` and our stack",
    )


@pytest.fixture(scope="session")
async def reference_venv() -> Path:
    """/work/main/.venv-reference with langgraph-cli[inmem], langgraph-api and the corpus's deps.

    The first session on a machine installs it from PyPI (a few minutes); later ones only compare
    the requirement list with the marker file.
    """
    return await asyncio.to_thread(ensure_reference_venv)
