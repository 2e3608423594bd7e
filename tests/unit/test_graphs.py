"""Loading `langgraph.json` as the official CLI reads it, and preparing graphs for the worker."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from langgraph._internal._runnable import RunnableCallable

from activities.graphs import GraphLoadError, load_graphs
from activities.prepared import NodeDefaults, prepare_graphs
from tests.conftest import ROOT, TEST_GRAPHS

BENCH_APP = ROOT.parent / "shared" / "bench" / "app" / "langgraph.json"
DEFAULTS = NodeDefaults(start_to_close=timedelta(seconds=30), heartbeat=timedelta(seconds=5), max_attempts=3)


def _project(tmp_path: Path, files: dict[str, str], config: str) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))
    (tmp_path / "langgraph.json").write_text(config)
    return tmp_path / "langgraph.json"


GRAPH_MODULE = """
from langgraph.graph import StateGraph, START
from typing_extensions import TypedDict
class S(TypedDict):
    x: int
async def inc(s): return {"x": s["x"] + 1}
b = StateGraph(S)
b.add_node("inc", inc)
b.add_edge(START, "inc")
graph = b.compile()
"""


def test_bundled_and_test_projects_load() -> None:
    assert list(load_graphs(ROOT / "langgraph.json")) == ["agent"]
    assert list(load_graphs(ROOT / "agents" / "langgraph.json")) == ["agent"]
    assert set(load_graphs(TEST_GRAPHS)) == {"agent", "gated", "failing", "writer", "nested", "hitl", "flaky", "bulky", "reviewed", "forked", "hitl_inline", "memory", "memory_inline"}


@pytest.mark.skipif(not BENCH_APP.exists(), reason="the benchmark project lives in ../shared")
def test_benchmark_project_loads_unchanged() -> None:
    assert set(load_graphs(BENCH_APP)) == {"noop", "agent", "sleepy"}


def test_module_specs_object_form_env_file_and_other_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIT_GRAPH_GREETING", raising=False)
    config = _project(
        tmp_path,
        {"pkg_unit_a/__init__.py": "", "pkg_unit_a/graph.py": GRAPH_MODULE, ".env": "export UNIT_GRAPH_GREETING='hi'\n"},
        """{"dependencies": ["."], "env": ".env",
            "graphs": {"by_module": "pkg_unit_a.graph:graph",
                       "by_file": {"path": "./pkg_unit_a/graph.py:graph", "description": "the same graph"}},
            "store": {"ttl": {"default_ttl": 10}}, "auth": {"path": "./auth.py:auth"}, "http": {}, "webhooks": {}}""",
    )
    graphs = load_graphs(config)
    assert set(graphs) == {"by_module", "by_file"}
    assert graphs["by_file"].description == "the same graph"
    assert graphs["by_module"].node_names == ["inc"]
    import os

    assert os.environ["UNIT_GRAPH_GREETING"] == "hi"


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        ("def make(config):\n    return build(config['configurable'].get('tag', 'none'))", "none"),
        ("async def make():\n    return build('async')", "async"),
        (
            "import contextlib\nfrom langgraph_sdk.runtime import ServerRuntime\n"
            "@contextlib.asynccontextmanager\nasync def make(runtime: ServerRuntime):\n    yield build(runtime.access_context)",
            "assistants.read",
        ),
        (
            "import contextlib\n@contextlib.contextmanager\ndef make():\n    yield build('sync-cm')",
            "sync-cm",
        ),
    ],
)
def test_factories_of_every_form_load(tmp_path: Path, factory: str, expected: str) -> None:
    module = (
        "from langgraph.graph import StateGraph, START\nfrom typing_extensions import TypedDict\n"
        "class S(TypedDict):\n    x: str\n"
        "def build(tag):\n"
        "    b = StateGraph(S)\n"
        "    b.add_node('echo', lambda s: {'x': tag})\n"
        "    b.add_edge(START, 'echo')\n"
        "    return b.compile()\n" + factory + "\n"
    )
    name = f"factory_graph_{abs(hash(factory))}"  # a module name of its own: imports are cached by name
    config = _project(tmp_path, {f"{name}.py": module}, f'{{"graphs": {{"g": "./{name}.py:make"}}}}')
    spec = load_graphs(config)["g"]
    assert spec.factory is not None
    node = spec.builder.nodes["echo"].runnable
    assert node.func({"x": ""}) == {"x": expected}


def test_prepare_gives_every_node_its_own_identity_and_leaves_the_users_graph_alone(tmp_path: Path) -> None:
    module = """
    import functools
    from langgraph.graph import StateGraph, START
    from langchain_core.runnables import RunnableLambda
    from typing_extensions import TypedDict
    class S(TypedDict):
        x: int
    class Adder:
        def __call__(self, s): return {"x": s["x"] + 1}
        def method(self, s): return {"x": s["x"] + 1}
    def add(s, n): return {"x": s["x"] + n}
    def make():
        def closure(s): return {"x": s["x"] + 1}
        b = StateGraph(S)
        b.add_node("closure", closure)
        b.add_node("lam", lambda s: {"x": s["x"] + 1})
        b.add_node("part", functools.partial(add, n=2))
        b.add_node("obj", Adder())
        b.add_node("meth", Adder().method)
        b.add_node("chain", RunnableLambda(lambda s: {"x": s["x"]}) | RunnableLambda(lambda s: {"x": s["x"] + 1}))
        b.add_edge(START, "closure")
        for a, z in [("closure", "lam"), ("lam", "part"), ("part", "obj"), ("obj", "meth"), ("meth", "chain")]:
            b.add_edge(a, z)
        return b
    graph = make()
    """
    config = _project(tmp_path, {"zoo.py": module}, '{"graphs": {"zoo": "./zoo.py:graph"}}')
    spec = load_graphs(config)["zoo"]
    before = {name: node.runnable for name, node in spec.builder.nodes.items()}
    prepared = prepare_graphs({"zoo": spec}, DEFAULTS, timedelta(milliseconds=50))
    assert {name: node.runnable for name, node in spec.builder.nodes.items()} == before
    names = sorted(a.__temporal_activity_definition.name for a in prepared.activities)  # type: ignore[attr-defined]
    assert names == ["zoo.chain", "zoo.closure", "zoo.lam", "zoo.meth", "zoo.obj", "zoo.part"]
    assert all(isinstance(n.runnable, RunnableCallable) for n in prepared.builder("zoo").nodes.values())


def test_prepare_keeps_workflow_nodes_and_makes_routers_async() -> None:
    spec = load_graphs(ROOT / "langgraph.json")["agent"]
    prepared = prepare_graphs({"agent": spec}, DEFAULTS, timedelta(milliseconds=50))
    graph = prepared.builder("agent")
    [branch] = graph.branches["agent"].values()
    assert isinstance(branch.path, RunnableCallable)
    assert branch.path.afunc.__name__ == "route"
    [original] = spec.builder.branches["agent"].values()
    assert original.path.afunc.__class__.__name__ == "partial"


def test_node_metadata_chooses_where_a_node_runs(tmp_path: Path) -> None:
    config = _project(
        tmp_path,
        {
            "g.py": """
            from langgraph.graph import StateGraph, START
            from typing_extensions import TypedDict
            class S(TypedDict):
                x: int
            async def inline(s): return {'x': 1}
            b = StateGraph(S)
            b.add_node('inline', inline, metadata={'execute_in': 'workflow', 'owner': 'me'})
            b.add_edge(START, 'inline')
            graph = b
            """
        },
        '{"graphs": {"g": "./g.py:graph"}}',
    )
    prepared = prepare_graphs(load_graphs(config), DEFAULTS, timedelta(milliseconds=50))
    node = prepared.builder("g").nodes["inline"]
    assert prepared.activities == []
    assert node.metadata == {"owner": "me"}  # the node's own metadata stays; the option is the server's


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"graphs": {}}', "declares no graphs"),
        ('{"graphs": {"g": "./missing.py:graph"}}', "file not found"),
        ('{"graphs": {"g": "no-colon"}}', "expected './path/to/file.py:attribute'"),
        ('{"graphs": {"g": "no_such_module_here.graph:graph"}}', "graph 'g' \\(no_such_module_here.graph\\): cannot import"),
        ("not json", "cannot read"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "langgraph.json").write_text(config)
    with pytest.raises(GraphLoadError, match=message):
        load_graphs(tmp_path / "langgraph.json")


def test_a_graph_whose_import_raises_names_the_graph_file_and_reason(tmp_path: Path) -> None:
    config = _project(tmp_path, {"broken.py": "raise RuntimeError('no API key')\n"}, '{"graphs": {"b": "./broken.py:graph"}}')
    with pytest.raises(GraphLoadError, match=r"graph 'b' \(.*broken.py\): importing it raised RuntimeError: no API key"):
        load_graphs(config)


def test_a_factory_that_raises_names_the_graph(tmp_path: Path) -> None:
    config = _project(
        tmp_path, {"f.py": "def make():\n    raise ValueError('boom')\n"}, '{"graphs": {"f": "./f.py:make"}}'
    )
    with pytest.raises(GraphLoadError, match="graph 'f' .*the factory raised ValueError: boom"):
        load_graphs(config)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("a, b", "must annotate exactly one of them as ServerRuntime"),
        ("a, b, c", "at most two parameters"),
    ],
)
def test_factory_signatures_the_official_server_refuses(tmp_path: Path, signature: str, message: str) -> None:
    name = f"bad_factory_{len(signature)}"
    config = _project(tmp_path, {f"{name}.py": f"def make({signature}):\n    raise AssertionError\n"}, f'{{"graphs": {{"f": "./{name}.py:make"}}}}')
    with pytest.raises(GraphLoadError, match=f"graph 'f': .*{message}"):
        load_graphs(config)


def test_a_two_parameter_factory_gets_each_by_its_annotation(tmp_path: Path) -> None:
    from activities.factories import GraphFactory

    seen = {}

    def make(runtime: "ServerRuntime", cfg):  # noqa: F821 - a string annotation, as under TYPE_CHECKING
        seen.update(runtime=runtime.access_context, config=cfg)
        return None

    import asyncio

    asyncio.run(GraphFactory("g", make).open({"configurable": {"k": 1}}, "threads.read"))
    assert seen == {"runtime": "threads.read", "config": {"configurable": {"k": 1}}}


async def test_run_graphs_build_once_per_run_and_close_when_the_run_ends_or_idles() -> None:
    import contextlib

    from activities.factories import GraphFactory, RunGraphs

    events: list[str] = []

    @contextlib.asynccontextmanager
    async def make(config):  # type: ignore[no-untyped-def]
        events.append(f"open {config['configurable']['run']}")
        yield object()
        events.append(f"close {config['configurable']['run']}")

    factory = GraphFactory("g", make)
    graphs = RunGraphs(idle_secs=3600)
    first = await graphs.get(factory, "run-1", {"configurable": {"run": 1}}, None)
    assert await graphs.get(factory, "run-1", {"configurable": {"run": 1}}, None) is first
    await graphs.get(factory, "run-2", {"configurable": {"run": 2}}, None)
    await graphs.release("run-1")
    assert events == ["open 1", "open 2", "close 1"]
    graphs._idle_secs = 0  # run-2 never ends on this worker: it is closed once idle
    await graphs.get(factory, "run-3", {"configurable": {"run": 3}}, None)
    assert events == ["open 1", "open 2", "close 1", "close 2", "open 3"]
    await graphs.close_all()
    assert events[-1] == "close 3"
