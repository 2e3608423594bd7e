"""Custom auth with the project's own routes (issue 16): `http.middleware_order` and
`http.enable_custom_route_auth` as the official server documents them. The project's middleware
tags every response it wraps (`x-project`), so where the auth check sits shows in a refusal."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, Stack, start_stack
from tests.e2e.test_custom_routes import CUSTOM_APP

pytestmark = pytest.mark.timeout(120)
AUTH = Path(__file__).resolve().parents[1] / "differential" / "auth_project" / "auth.py"
ALICE = {"Authorization": "Bearer alice-token"}
# A project route on one of our paths with another method: a request for ours there is ours to
# authenticate, whatever the order (it once went through unauthenticated with auth_first).
OVERLAPPING = '''

@app.get("/threads/search")
async def search_page():
    return {"page": "the project's"}
'''


@pytest.fixture(scope="module", params=["middleware_first", "auth_first", "custom_route_auth"])
def project_stack(request: pytest.FixtureRequest, env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Stack]]:
    work = tmp_path_factory.mktemp(request.param)
    (work / "custom_app.py").write_text(CUSTOM_APP + OVERLAPPING)
    shutil.copy(AUTH, work / "auth.py")
    http: dict[str, Any] = {"app": "./custom_app.py:app"}
    if request.param == "auth_first":
        http["middleware_order"] = "auth_first"
    if request.param == "custom_route_auth":
        http["enable_custom_route_auth"] = True
    config = {"dependencies": [str(ROOT)], "graphs": {"agent": f"{ROOT / 'agents' / 'agent.py'}:agent"},
              "auth": {"path": "./auth.py:auth"}, "http": http}
    (work / "langgraph.json").write_text(json.dumps(config))
    stack = start_stack(env, work, langgraph_config=work / "langgraph.json")
    yield request.param, stack
    stack.stop()


async def test_where_the_auth_check_sits(project_stack: tuple[str, Stack]) -> None:
    order, stack = project_stack
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        refused = await http.post("/threads", json={})
        assert (refused.status_code, refused.json()) == (401, {"detail": "Missing bearer token"})
        # Authenticated after the project's middleware (the default), its tag is on the refusal.
        assert ("x-project" in refused.headers) is (order == "middleware_first")
        custom = await http.get("/custom/hello")
        if order == "custom_route_auth":
            assert custom.status_code == 401
        else:  # the project's own routes are open unless it asks otherwise
            assert custom.status_code == 200 and custom.json()["hello"] == "world"
        assert (await http.get("/custom/hello", headers=ALICE)).status_code == 200
        assert (await http.get("/threads/search")).json() == {"page": "the project's"} or order == "custom_route_auth"
        ours_there = await http.post("/threads/search", json={})
        assert (ours_there.status_code, ours_there.json()) == (401, {"detail": "Missing bearer token"})
        created = await http.post("/threads", json={}, headers=ALICE)
        assert created.status_code == 200 and created.json()["metadata"] == {"owner": "alice"}
        assert created.headers["x-project"] == "custom"
