"""`agent.getTree` trees made from a thread's lifecycle events (api/services/agent_tree.py)."""

from __future__ import annotations

from typing import Any

from api.services.agent_tree import AgentTrees, run_of


def _lifecycle(event_id: str, namespace: list[str], event: str, graph: str) -> dict[str, Any]:
    return {"event_id": event_id, "method": "lifecycle", "params": {"namespace": namespace, "data": {"event": event, "graph_name": graph}}}


def test_the_run_of_an_event() -> None:
    assert run_of({"event_id": "synth:r1:lc||running"}) == "r1"
    assert run_of({"event_id": "r1:12.3"}) == "r1"


def test_a_tree_nests_subgraphs_and_keeps_each_ones_last_status() -> None:
    trees = AgentTrees()
    assert trees.tree() is None
    for event in [
        _lifecycle("synth:r1:lc||running", [], "running", "agent"),
        _lifecycle("r1:3", ["team:a"], "started", "team"),
        _lifecycle("r1:4", ["team:a", "research:b"], "started", "research"),
        _lifecycle("r1:6.0", ["team:a", "research:b"], "completed", "research"),
        _lifecycle("r1:6.1", ["team:a"], "completed", "team"),
        {"event_id": "r1:7", "method": "values", "params": {"namespace": [], "data": {}}},
        _lifecycle("synth:r1:lc||interrupted", [], "interrupted", "agent"),
        _lifecycle("synth:r2:lc||running", [], "running", "agent"),
    ]:
        trees.see(event)
    assert trees.tree("r1") == {
        "namespace": [], "status": "interrupted", "graph_name": "agent", "children": [
            {"namespace": ["team:a"], "status": "completed", "graph_name": "team", "children": [
                {"namespace": ["team:a", "research:b"], "status": "completed", "graph_name": "research", "children": []},
            ]},
        ],
    }
    assert trees.tree() == {"namespace": [], "status": "running", "graph_name": "agent", "children": []}
    assert trees.tree("nope") is None
