"""Sanity of the corpus itself: each project's `INPROCESS` graphs run with plain LangGraph.

No server: the graph is loaded from the project's langgraph.json the way `langgraph dev` loads it
(project and `dependencies` folders on sys.path, `module:attr` or `./file.py:attr`, the `env`),
a factory is called with a config and/or an execution `ServerRuntime` as its annotations ask, and
the graph runs with `ainvoke` on an in-memory checkpointer and store. A failure here is a corpus
bug (or a LangGraph one), not a server bug.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import re
import sys
import typing
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.corpus.fake_openai import FakeOpenAI
from tests.differential.harness import Project, discover, import_path_for, loaded_under

CASES = [
    pytest.param(project, case, id=f"{project.name}:{case['graph']}:{index}")
    for project in discover()
    for index, case in enumerate(project.inprocess)
]


@pytest.fixture(scope="module")
def fake_openai() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _env_file(project: Project) -> dict[str, str]:
    env = project.langgraph_json.get("env") or {}
    if isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items()}
    values = {}
    path = project.dir / env
    if path.exists():
        for line in path.read_text().splitlines():
            match = re.match(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line)
            if match and not line.lstrip().startswith("#"):
                values[match.group(1)] = match.group(2).strip("'\"")
    return values


def _load(project: Project, graph_id: str) -> Any:
    spec = project.langgraph_json["graphs"][graph_id]
    source = spec["path"] if isinstance(spec, dict) else spec
    module_path, attribute = source.rsplit(":", 1)
    if "/" in module_path:
        name = re.sub(r"\W", "_", f"corpus_inprocess_{project.name}_{module_path}")
        file_spec = importlib.util.spec_from_file_location(name, project.dir / module_path)
        assert file_spec and file_spec.loader
        module = importlib.util.module_from_spec(file_spec)
        sys.modules[name] = module
        file_spec.loader.exec_module(module)
    else:
        module = importlib.import_module(module_path)
    return getattr(module, attribute)


def _is_runtime(annotation: Any) -> bool:
    from langgraph_sdk.runtime import ServerRuntime, _ExecutionRuntime, _ReadRuntime

    if annotation is ServerRuntime or typing.get_origin(annotation) is ServerRuntime:
        return True
    return isinstance(annotation, type) and issubclass(annotation, (_ExecutionRuntime, _ReadRuntime))


@contextlib.asynccontextmanager
async def _graph(value: Any, config: dict[str, Any], context: Any) -> AsyncIterator[Any]:
    """The graph itself, or what a factory gives for an execution (a run)."""
    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import StateGraph
    from langgraph.pregel import Pregel
    from langgraph.store.memory import InMemoryStore
    from langgraph_sdk.runtime import ServerRuntime, _ExecutionRuntime

    store = InMemoryStore()
    if callable(value) and not isinstance(value, Pregel):
        try:
            hints = typing.get_type_hints(value, localns={"ServerRuntime": ServerRuntime})
        except Exception:
            hints = {}
        runtime = _ExecutionRuntime(access_context="threads.create_run", store=store, context=context)
        kwargs = {
            name: runtime if _is_runtime(hints.get(name, parameter.annotation)) else config
            for name, parameter in inspect.signature(value).parameters.items()
        }
        value = value(**kwargs)
    async with contextlib.AsyncExitStack() as stack:
        if hasattr(value, "__aenter__"):
            value = await stack.enter_async_context(value)
        elif hasattr(value, "__enter__"):
            value = stack.enter_context(value)
        elif inspect.isawaitable(value):
            value = await value
        if isinstance(value, StateGraph):
            value = value.compile()
        assert isinstance(value, Pregel), f"not a graph: {value!r}"
        yield value.copy(update={"checkpointer": InMemorySaver(), "store": store})


@pytest.mark.parametrize(("project", "case"), CASES)
async def test_graph_runs_in_process(
    project: Project, case: dict[str, Any], fake_openai: FakeOpenAI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langgraph.types import Command

    for key, value in {**fake_openai.env, **_env_file(project), **project.env, **case.get("env", {}),
                       "CORPUS_SCRATCH": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    for path in reversed(import_path_for(project)):
        monkeypatch.syspath_prepend(path)
    before = set(sys.modules)
    try:
        value = _load(project, case["graph"])
        thread = {"configurable": {"thread_id": str(uuid.uuid4())}}
        first = case["steps"][0]
        factory_config = {"configurable": {**thread["configurable"], **(first.get("config") or {}).get("configurable", {})}}
        async with _graph(value, factory_config, first.get("context")) as graph:
            for step in case["steps"]:
                config = {"configurable": {**thread["configurable"], **(step.get("config") or {}).get("configurable", {})}}
                payload = Command(resume=step["resume"]) if "resume" in step else step.get("input")
                await graph.ainvoke(payload, config, context=step.get("context"))
            values = (await graph.aget_state(thread)).values
        assert case["check"](values) is not False, values
    finally:
        for name in set(loaded_under(project.dir)) | {m for m in set(sys.modules) - before if m.startswith("corpus_")}:
            sys.modules.pop(name, None)
