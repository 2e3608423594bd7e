"""The custom-auth differential test: every case of auth_cases.py, raw HTTP as two users, against
the reference server and our stack serving tests/differential/auth_project (its `auth.path`
handler). Normalized exchanges must be equal unless docs/compatibility.md lists the case as a
deliberate difference (then it must still differ)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.differential.api_harness import deliberate_differences, diff, normalize, record_on_both
from tests.differential.auth_cases import AUTH_CASES

pytestmark = [pytest.mark.differential, pytest.mark.timeout(600)]

AUTH_PROJECT = Path(__file__).resolve().parent / "auth_project"
DELIBERATE = deliberate_differences()
_recorded: dict[str, asyncio.Task[tuple[dict[str, Any], dict[str, Any]]]] = {}


async def record_both(environment: object, venv: Path, work: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    return await record_on_both(environment, venv, work, AUTH_PROJECT, AUTH_CASES)


async def recorded(environment: object, venv: Path, factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    if "all" not in _recorded:
        _recorded["all"] = asyncio.ensure_future(record_both(environment, venv, factory.mktemp("auth")))
    return await asyncio.shield(_recorded["all"])


@pytest.mark.parametrize("name", sorted(AUTH_CASES))
async def test_auth_case(name: str, env: object, reference_venv: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    reference, ours = await recorded(env, reference_venv, tmp_path_factory)
    expected, actual = normalize(reference[name]), normalize(ours[name])
    assert expected["error"] is None, f"the case failed on the reference: {expected['error']}"
    if name in DELIBERATE:
        assert actual != expected, f"{name} is listed as a deliberate difference but no longer differs"
        return
    if actual != expected:
        pytest.fail(f"ours differs from the reference:\n{diff(expected, actual)}", pytrace=False)
