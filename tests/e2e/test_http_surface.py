"""`http.disable_*` (issue 16): each flag makes its routes 404 (MCP and A2A too), grouped as on the official server
(observed there with `langgraph dev`: the same paths answered 404 or stayed, as asserted here)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, Stack, start_stack

pytestmark = pytest.mark.timeout(120)

T, R = str(uuid.uuid4()), str(uuid.uuid4())


def _project(folder: Path, http: dict[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = {"dependencies": [str(ROOT)], "graphs": {"agent": f"{ROOT / 'agents' / 'agent.py'}:agent"}, "http": http}
    (folder / "langgraph.json").write_text(json.dumps(config))
    return folder / "langgraph.json"


@pytest.fixture(scope="module")
def stacks(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Stack]]:
    work = tmp_path_factory.mktemp("http-surface")
    started: dict[str, Stack] = {}
    try:
        for name, http in (
            ("no_runs_no_meta", {"disable_runs": True, "disable_meta": True}),
            ("no_threads_store_assistants", {
                "disable_threads": True, "disable_store": True, "disable_assistants": True, "disable_mcp": True, "disable_a2a": True,
            }),
        ):
            started[name] = start_stack(env, work / name, langgraph_config=_project(work / name / "project", http))
        yield started
    finally:
        for stack in started.values():
            stack.stop()


async def _status(stack: Stack, method: str, path: str, body: Any = None) -> int:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        return (await http.request(method, path, json=body)).status_code


async def test_disable_runs_and_meta(stacks: dict[str, Stack]) -> None:
    stack = stacks["no_runs_no_meta"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        assert (await http.get("/ok")).json() == {"ok": True}
    gone = [
        ("GET", "/info"), ("GET", "/docs"), ("GET", "/openapi.json"),
        ("POST", f"/threads/{T}/runs", {"assistant_id": "agent"}), ("GET", f"/threads/{T}/runs"),
        ("GET", f"/threads/{T}/runs/{R}"), ("GET", f"/threads/{T}/runs/{R}/join"),
        ("POST", "/runs/wait", {"assistant_id": "agent", "input": {}}), ("POST", "/runs/crons/search", {}),
        ("POST", f"/threads/{T}/commands", {"id": 1, "method": "bogus"}),
    ]
    for method, path, *body in gone:
        assert await _status(stack, method, path, *body) == 404, (method, path)
    assert await _status(stack, "POST", "/assistants/search", {}) == 200
    assert await _status(stack, "POST", "/threads", {}) == 200
    assert await _status(stack, "POST", "/threads/search", {}) == 200
    assert await _status(stack, "PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": {}}) == 204
    async with httpx.AsyncClient(base_url=stack.url, timeout=30, headers={"accept": "application/json"}) as http:
        assert (await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})).json()["result"] == {}
        assert (await http.post(f"/a2a/{T}", json={"jsonrpc": "2.0", "id": 1, "method": "foo"})).json()["error"]["code"] == -32601


async def test_disable_threads_store_and_assistants(stacks: dict[str, Stack]) -> None:
    stack = stacks["no_threads_store_assistants"]
    gone = [
        ("POST", "/assistants/search", {}), ("POST", "/threads", {}), ("POST", "/threads/search", {}),
        ("GET", f"/threads/{T}"), ("GET", f"/threads/{T}/state"), ("POST", f"/threads/{T}/history", {}),
        ("PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": {}}), ("POST", "/store/namespaces", {}),
        ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"}), ("POST", f"/a2a/{T}", {"jsonrpc": "2.0", "id": 1, "method": "foo"}),
        ("GET", f"/.well-known/agent-card.json?assistant_id={T}"),
    ]
    for method, path, *body in gone:
        assert await _status(stack, method, path, *body) == 404, (method, path)
    assert await _status(stack, "GET", "/info") == 200
    assert await _status(stack, "GET", "/openapi.json") == 200
    assert await _status(stack, "POST", "/runs/wait", {"assistant_id": "agent", "input": {"messages": []}}) == 200
    assert await _status(stack, "POST", "/runs/crons/search", {}) == 200
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        answer = await http.post(f"/threads/{T}/commands", json={"id": 1, "method": "bogus"})
    assert answer.json()["error"] == "unknown_command"
