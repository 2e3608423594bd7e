"""The differential test: every tests/corpus project, through the official Python SDK, against the
reference server (`langgraph dev`, langgraph-api 0.16.7) and against our stack.

For each project both servers are started side by side (each with its own fake OpenAI server) and
the project's scenario runs against both. Then:

- `test_reference[<project>]` asserts the scenario's own expectations against the reference alone,
  so neither a corpus bug nor a vacuous comparison goes unnoticed;
- `test_ours_matches_reference[<project>]` asserts that what the SDK observed on our stack equals
  what it observed on the reference, after normalization (harness.comparable): run outputs, final
  thread state values and message sequences (type, content, tool calls and their ids' mapping),
  run statuses, interrupt values, SSE event names per stream (plus `updates` node keys, the last
  `values` event and the streamed message texts), schemas and graph drawings, store items, the
  conversations the graphs sent the model, and which graph factories were called for what.

Projects our stack is known not to run yet are `xfail` in KNOWN_OURS (non-strict: an XPASS means
it can be removed). Run it alone with `.venv/bin/python -m pytest tests/differential -m differential`.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tests.differential.harness import Project, diff, discover, first_run_error
from tests.differential.observe import Side, observe_ours, observe_reference

pytestmark = [pytest.mark.differential, pytest.mark.timeout(900)]

PROJECTS = discover()

# What our stack does not run yet, with the first line of the failure observed (see the report in
# the test's output for the current one). Non-strict xfail: remove an entry when it XPASSes.
KNOWN_OURS: dict[str, str] = {}
# `/schemas` answers known to differ from the reference's (none now), with the reason.
KNOWN_SCHEMAS: dict[str, str] = {}

_observed: dict[str, asyncio.Task[tuple[Side, Side]]] = {}


async def _observe(project: Project, environment: object, venv: Path, tmp: Path) -> tuple[Side, Side]:
    return await asyncio.gather(
        observe_reference(project, tmp / "reference", venv=venv),
        observe_ours(project, environment, tmp / "ours"),
    )


async def observed(
    project: Project, environment: object, venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Side, Side]:
    """Both sides' observations of `project`, computed once for both tests."""
    if project.name not in _observed:
        tmp = tmp_path_factory.mktemp(re.sub(r"\W", "_", project.name))
        _observed[project.name] = asyncio.ensure_future(_observe(project, environment, venv, tmp))
    return await asyncio.shield(_observed[project.name])


def _log_hint(side: Side) -> str:
    """The first error-looking lines of the side's server logs, and where the logs are."""
    lines: list[str] = []
    for log in side.logs:
        try:
            text = log.read_text(errors="replace")
        except OSError:
            continue
        text = re.sub(r"\x1b\[[0-9;]*m", "", text)
        found = [line.strip() for line in text.splitlines() if re.search(r"(Error|Exception|Traceback)", line)]
        if found:
            lines.append(f"{log.name}: {found[0][:400]}")
    return "\n".join([*lines, "logs: " + " ".join(str(p) for p in side.logs)])


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
async def test_reference(
    project: Project, env: object, reference_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The reference server runs the project and the scenario's expectations hold there."""
    reference, _ = await observed(project, env, reference_venv, tmp_path_factory)
    if reference.failure is not None:
        pytest.fail(f"reference: {reference.failure}\n{_log_hint(reference)}", pytrace=False)
    assert project.expect is not None, f"{project.name}/scenario.py has no expect()"
    project.expect(reference.for_expect())


def _params(known: dict[str, str]) -> list[object]:
    return [
        pytest.param(p, id=p.name, marks=[pytest.mark.xfail(reason=known[p.name], strict=False)])
        if p.name in known
        else pytest.param(p, id=p.name)
        for p in PROJECTS
    ]


@pytest.mark.parametrize("project", _params(KNOWN_OURS))
async def test_ours_matches_reference(
    project: Project, env: object, reference_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Our stack shows the SDK the same thing as the reference for the project's scenario."""
    reference, ours = await observed(project, env, reference_venv, tmp_path_factory)
    if reference.failure is not None:
        pytest.skip(f"the reference failed ({reference.failure}): see test_reference")
    run_error = first_run_error(ours.obs)
    hint = (f"first failed run on ours: {run_error}\n" if run_error else "") + _log_hint(ours)
    if ours.failure is not None:
        pytest.fail(f"ours: {ours.failure}\n{hint}", pytrace=False)
    expected, actual = reference.comparable(), ours.comparable()
    if actual != expected:
        pytest.fail(f"ours differs from the reference:\n{diff(expected, actual)}\n{hint}", pytrace=False)


@pytest.mark.parametrize("project", [p for p in _params(KNOWN_SCHEMAS)])
async def test_schemas_match_reference(
    project: Project, env: object, reference_venv: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`/schemas` of the project's graphs, as the reference answers them."""
    reference, ours = await observed(project, env, reference_venv, tmp_path_factory)
    if reference.failure is not None or ours.failure is not None:
        pytest.skip("a side failed: see test_reference / test_ours_matches_reference")
    expected, actual = reference.comparable_schemas(), ours.comparable_schemas()
    if actual != expected:
        pytest.fail(f"ours differs from the reference:\n{diff(expected, actual)}", pytrace=False)
