"""Loading `langgraph.json` and preparing graphs to run their nodes as activities."""

from __future__ import annotations

from pathlib import Path

import pytest
from langgraph._internal._runnable import RunnableCallable

from activities.graphs import GraphLoadError, load_graphs, prepare_for_temporal
from tests.conftest import ROOT, TEST_GRAPHS

BENCH_APP = ROOT.parent / "shared" / "bench" / "app" / "langgraph.json"


def test_bundled_and_test_projects_load() -> None:
    assert list(load_graphs(ROOT / "langgraph.json")) == ["agent"]
    assert list(load_graphs(ROOT / "agents" / "langgraph.json")) == ["agent"]
    assert set(load_graphs(TEST_GRAPHS)) == {"agent", "gated", "failing", "writer", "nested", "hitl", "flaky", "bulky", "reviewed", "forked", "hitl_inline"}


@pytest.mark.skipif(not BENCH_APP.exists(), reason="the benchmark project lives in ../shared")
def test_benchmark_project_loads_unchanged() -> None:
    assert set(load_graphs(BENCH_APP)) == {"noop", "agent", "sleepy"}


def test_prepare_applies_defaults_without_touching_the_users_graph() -> None:
    spec = load_graphs(ROOT / "langgraph.json")["agent"]
    before = {name: (node.metadata, node.runnable.func, node.runnable.afunc) for name, node in spec.builder.nodes.items()}
    prepared = prepare_for_temporal(spec)
    after = {name: (node.metadata, node.runnable.func, node.runnable.afunc) for name, node in spec.builder.nodes.items()}
    assert before == after
    assert {n.metadata["execute_in"] for n in prepared.nodes.values()} == {"activity"}
    # The ToolNode runs its async implementation (async-only tools work).
    assert prepared.nodes["tools"].runnable.func is None
    # The sync `tools_condition` router became async, so it never needs a thread in the workflow.
    [branch] = prepared.branches["agent"].values()
    assert isinstance(branch.path, RunnableCallable)
    assert branch.path.afunc.__name__ == "route"
    [original] = spec.builder.branches["agent"].values()
    assert original.path.afunc.__class__.__name__ == "partial"


def test_node_metadata_overrides_the_defaults(tmp_path: Path) -> None:
    (tmp_path / "g.py").write_text(
        "from langgraph.graph import StateGraph, START\n"
        "from typing_extensions import TypedDict\n"
        "class S(TypedDict):\n    x: int\n"
        "async def inline(s): return {'x': 1}\n"
        "b = StateGraph(S)\nb.add_node('inline', inline, metadata={'execute_in': 'workflow'})\n"
        "b.add_edge(START, 'inline')\ngraph = b\n"
    )
    (tmp_path / "langgraph.json").write_text('{"graphs": {"g": "./g.py:graph"}}')
    prepared = prepare_for_temporal(load_graphs(tmp_path / "langgraph.json")["g"])
    assert prepared.nodes["inline"].metadata["execute_in"] == "workflow"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"graphs": {}}', "declares no graphs"),
        ('{"graphs": {"g": "./missing.py:graph"}}', "file not found"),
        ('{"graphs": {"g": "no-colon"}}', "expected 'path/to/file.py:attribute'"),
        ("not json", "cannot read"),
    ],
)
def test_bad_configs_say_what_is_wrong(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "langgraph.json").write_text(config)
    with pytest.raises(GraphLoadError, match=message):
        load_graphs(tmp_path / "langgraph.json")
