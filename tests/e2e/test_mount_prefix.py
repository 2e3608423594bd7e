"""`http.mount_prefix` (issue 16): the whole API under a path, the SDK pointed at it; `/ok` and
`/metrics` answer unprefixed too, everything else outside the prefix is a 404."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import ROOT, Stack, start_stack

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def prefixed_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("prefixed")
    config = {"dependencies": [str(ROOT)], "graphs": {"agent": f"{ROOT / 'agents' / 'agent.py'}:agent"}, "http": {"mount_prefix": "/lgp"}}
    (work / "langgraph.json").write_text(json.dumps(config))
    stack = start_stack(env, work, langgraph_config=work / "langgraph.json")
    yield stack
    stack.stop()


async def test_the_api_is_served_under_its_prefix(prefixed_stack: Stack) -> None:
    client = get_client(url=prefixed_stack.url + "/lgp")
    done = await client.runs.wait(None, "agent", input={"messages": [{"role": "user", "content": "hi"}]})
    assert done["messages"][-1]["type"] == "ai"
    assert [a["graph_id"] for a in await client.assistants.search()] == ["agent"]
    async with httpx.AsyncClient(base_url=prefixed_stack.url, timeout=30) as http:
        assert (await http.get("/ok")).status_code == 200 and (await http.get("/lgp/ok")).status_code == 200
        assert (await http.get("/metrics")).status_code == 200
        outside = await http.post("/threads", json={})
        assert (outside.status_code, outside.json()) == (404, {"detail": "Not Found"})
        assert (await http.get("/lgp/openapi.json")).status_code == 200
