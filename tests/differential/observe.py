"""Run one corpus project's scenario against the reference server and/or our stack.

Each side gets its own fake OpenAI server, scratch folder (`CORPUS_SCRATCH`, e.g. the flaky node's
attempt counter) and factory log (`CORPUS_FACTORY_LOG`, one JSON line per graph-factory call).

By hand: ``.venv/bin/python -m tests.differential.observe node_zoo [--ours] [--json]`` prints the
reference's (and with --ours, our stack's) comparable observations and their diff.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus.fake_openai import FakeOpenAI
from tests.differential.harness import Normalizer, Project, comparable, comparable_schemas, run_scenario
from tests.differential.reference import REFERENCE_VENV, reference_server

_ENVIRON_LOCK = threading.Lock()


@dataclass
class Side:
    """What one server did with a scenario."""

    name: str
    obs: dict[str, Any] | None = None
    error: str | None = None  # the server did not start, or the harness broke
    logs: list[Path] = field(default_factory=list)
    factory_calls: list[dict[str, Any]] = field(default_factory=list)
    openai_requests: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failure(self) -> str | None:
        """The first line of what went wrong, if anything did."""
        if self.error:
            return self.error.strip().splitlines()[0]
        if self.obs and self.obs.get("error"):
            return str(self.obs["error"]).splitlines()[0]
        return None

    def comparable(self) -> dict[str, Any]:
        """What must be equal. Factory calls count from the scenario's first request: our server
        calls each factory once at load, for the topology its workflows run (docs/compatibility.md)."""
        assert self.obs is not None, self.error
        started = self.obs.get("started_at") or 0
        return {
            **comparable(self.obs),
            "model_requests": model_requests(self.openai_requests),
            "factory_calls": factory_summary([c for c in self.factory_calls if c.get("ts", 0) >= started]),
        }

    def comparable_schemas(self) -> dict[str, Any]:
        assert self.obs is not None, self.error
        return comparable_schemas(self.obs)

    def for_expect(self) -> dict[str, Any]:
        assert self.obs is not None, self.error
        return {**self.obs, "factory_calls": self.factory_calls, "openai_requests": self.openai_requests}


def model_requests(requests: list[dict[str, Any]]) -> list[str]:
    """What the graphs sent the fake OpenAI server (conversations, tool names; embedding inputs), as a
    sorted list: the same scenario must show the model the same conversations on both servers."""
    summary = []
    for request in requests:
        body = request["body"]
        if request["path"].endswith("/chat/completions"):
            item: Any = {
                "messages": [
                    {k: m.get(k) for k in ("role", "content", "tool_calls", "tool_call_id", "name") if m.get(k)}
                    for m in body.get("messages", [])
                ],
                "tools": sorted(str((t.get("function") or t).get("name")) for t in body.get("tools") or []),
            }
        else:
            item = {"embed": body.get("input")}
        summary.append(json.dumps(Normalizer()(item), sort_keys=True))
    return sorted(summary)


def factory_summary(calls: list[dict[str, Any]]) -> list[str]:
    """The distinct (graph, access context, event) of the factory calls, ignoring how many."""
    return sorted({f"{c.get('graph')}:{c.get('access_context')}:{c.get('event', 'call')}" for c in calls})


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _side_env(project: Project, fake: FakeOpenAI, work: Path) -> dict[str, str]:
    scratch = work / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    return {
        **fake.env,
        **project.server_env(),
        "CORPUS_SCRATCH": str(scratch),
        "CORPUS_FACTORY_LOG": str(work / "factory-calls.jsonl"),
    }


@contextlib.contextmanager
def patched_environ(values: dict[str, str]) -> Iterator[None]:
    """os.environ with `values` (our stack's processes inherit it), restored afterwards.

    Holds a lock: use it in a thread, never around an await on the event loop."""
    with _ENVIRON_LOCK:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


async def _settle(path: Path, seconds: float = 0.3) -> None:
    """Factory logs are written by a background thread in the server: give it a moment."""
    await asyncio.sleep(seconds)


async def observe_reference(
    project: Project, work: Path, *, venv: Path = REFERENCE_VENV, step_timeout: float = 60.0
) -> Side:
    # Before any await: our side may patch os.environ (in a thread) while this one starts.
    with _ENVIRON_LOCK:
        base_env = dict(os.environ)
    side = Side("reference")
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with FakeOpenAI() as fake:
        env = _side_env(project, fake, work)
        stack = contextlib.ExitStack()
        try:
            server = reference_server(project.dir, env=env, venv=venv, log_dir=work, base_env=base_env)
            url = await asyncio.to_thread(stack.enter_context, server)
            side.obs = await run_scenario(url, project.steps, step_timeout=step_timeout)
            await _settle(work)
        except Exception as exc:  # the server did not start
            side.error = f"{type(exc).__name__}: {exc}"
        finally:
            await asyncio.to_thread(stack.close)
        side.openai_requests = fake.requests
    side.logs = sorted(work.glob("reference-*.log"))
    side.factory_calls = _read_jsonl(work / "factory-calls.jsonl")
    side.seconds = time.monotonic() - started
    return side


async def observe_ours(project: Project, environment: Any, work: Path, *, step_timeout: float = 30.0) -> Side:
    from tests.conftest import start_stack

    side = Side("ours")
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with FakeOpenAI() as fake:
        env = _side_env(project, fake, work)
        if "PYTHONPATH" in env and os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] += ":" + os.environ["PYTHONPATH"]
        stack = None
        try:

            def start() -> Any:
                with patched_environ(env):  # start_stack gives its processes a copy of os.environ
                    return start_stack(environment, work, langgraph_config=project.config)

            stack = await asyncio.to_thread(start)
            side.obs = await run_scenario(stack.url, project.steps, step_timeout=step_timeout)
            await _settle(work)
        except Exception as exc:  # the stack did not start
            side.error = f"{type(exc).__name__}: {exc}"
        finally:
            if stack is not None:
                await asyncio.to_thread(stack.stop)
        side.openai_requests = fake.requests
    side.logs = sorted(work.glob("*.log"))
    side.factory_calls = _read_jsonl(work / "factory-calls.jsonl")
    side.seconds = time.monotonic() - started
    return side


def _main() -> None:
    import argparse
    import tempfile

    from tests.differential.harness import diff, discover
    from tests.differential.reference import ensure_reference_venv

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("project", help="a project (e.g. node_zoo, templates/react-agent), or 'all'")
    parser.add_argument("--summary", action="store_true", help="one line per project instead of the observations")
    parser.add_argument("--ours", action="store_true", help="also run our stack (starts a Temporal dev server)")
    parser.add_argument("--json", action="store_true", help="print the raw reference observations")
    parser.add_argument("--twice", action="store_true", help="run the reference twice and diff (checks the normalization)")
    args = parser.parse_args()
    projects = [p for p in discover() if args.project in ("all", p.name)]
    assert projects, f"no project {args.project!r}"
    venv = ensure_reference_venv()
    if args.summary or len(projects) > 1:
        asyncio.run(_summary(projects, venv, ours=args.ours))
        return
    project = projects[0]
    work = Path(tempfile.mkdtemp(prefix=f"corpus-{project.dir.name}-"))

    async def run() -> None:
        ref = await observe_reference(project, work / "reference", venv=venv)
        print(f"reference: {ref.seconds:.1f}s failure={ref.failure} logs={ref.logs}")
        if ref.obs is not None:
            print(json.dumps(ref.for_expect() if args.json else ref.comparable(), indent=1, default=str))
            if project.expect:
                try:
                    project.expect(ref.for_expect())
                    print("expectations: OK")
                except AssertionError as exc:
                    print(f"expectations FAILED: {exc!r}")
                    raise
        if args.twice:
            again = await observe_reference(project, work / "reference-again", venv=venv)
            if ref.obs is not None and again.obs is not None:
                print(diff(ref.comparable(), again.comparable()) or "the two reference runs compare equal")
        if args.ours:
            from temporalio.testing import WorkflowEnvironment

            from activities.binaries import find_binary
            from activities.converter import data_converter
            from tests.conftest import SEARCH_ATTRIBUTES

            environment = await WorkflowEnvironment.start_local(
                dev_server_existing_path=find_binary("temporal"), ip="127.0.0.1",
                data_converter=data_converter(), search_attributes=SEARCH_ATTRIBUTES,
            )
            try:
                ours = await observe_ours(project, environment, work / "ours")
            finally:
                await environment.shutdown()
            print(f"ours: {ours.seconds:.1f}s failure={ours.failure} logs={ours.logs}")
            if ours.obs is not None and ref.obs is not None:
                print(diff(ref.comparable(), ours.comparable()) or "no difference")

    asyncio.run(run())


async def _summary(projects: list[Project], venv: Path, *, ours: bool) -> None:
    """One line per project: the reference's expectations, and whether ours matches (or where not)."""
    import tempfile

    from tests.differential.harness import differing_paths, first_run_error

    environment = None
    if ours:
        from temporalio.testing import WorkflowEnvironment

        from activities.binaries import find_binary
        from activities.converter import data_converter
        from tests.conftest import SEARCH_ATTRIBUTES

        environment = await WorkflowEnvironment.start_local(
            dev_server_existing_path=find_binary("temporal"), ip="127.0.0.1",
            data_converter=data_converter(), search_attributes=SEARCH_ATTRIBUTES,
        )
    try:
        for project in projects:
            work = Path(tempfile.mkdtemp(prefix=f"corpus-{project.dir.name}-"))
            sides = [observe_reference(project, work / "reference", venv=venv)]
            if environment is not None:
                sides.append(observe_ours(project, environment, work / "ours"))
            results = await asyncio.gather(*sides)
            ref = results[0]
            verdict = ref.failure or "ok"
            if ref.failure is None and project.expect:
                try:
                    project.expect(ref.for_expect())
                except AssertionError as exc:
                    verdict = f"expectation failed: {exc!r}"[:200]
            line = f"{project.name}: reference {verdict} ({ref.seconds:.1f}s)"
            if len(results) > 1:
                other = results[1]
                if other.failure:
                    state = f"FAILS: {other.failure}"
                elif ref.obs is not None and other.comparable() != ref.comparable():
                    state = "DIFFERS at " + ", ".join(differing_paths(ref.comparable(), other.comparable()))
                else:
                    state = "matches"
                run_error = first_run_error(other.obs)
                line += f"; ours {state}" + (f" [first failed run: {run_error}]" if run_error else "")
                line += f" ({other.seconds:.1f}s)"
            print(line, flush=True)
    finally:
        if environment is not None:
            await environment.shutdown()


if __name__ == "__main__":
    _main()
