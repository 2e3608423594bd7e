"""The custom-auth differential test: every case of auth_cases.py, raw HTTP as two users, against
the reference server and our stack serving tests/differential/auth_project (its `auth.path`
handler). Normalized exchanges must be equal unless docs/compatibility.md lists the case as a
deliberate difference (then it must still differ)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.differential.api_harness import Recording, check_case, deliberate_differences
from tests.differential.auth_cases import AUTH_CASES

pytestmark = [pytest.mark.differential, pytest.mark.timeout(600)]

AUTH_PROJECT = Path(__file__).resolve().parent / "auth_project"
DELIBERATE = deliberate_differences()
recorded = Recording(AUTH_PROJECT, lambda: AUTH_CASES, "auth")
record_both = recorded.record  # (api_observe.py records by hand through it)


@pytest.mark.parametrize("name", sorted(AUTH_CASES))
async def test_auth_case(name: str, env: object, reference_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    reference, ours = await recorded(env, reference_venv, tmp_path_factory)
    check_case(name, reference, ours, DELIBERATE)
