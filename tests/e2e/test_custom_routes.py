"""`http.app` (issue 16): a project's own FastAPI app served with the API. Its routes come first (an
overlapping one wins), its middleware sees every request, its lifespan runs, and the API key covers
its routes too."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import ROOT, Stack, start_stack

pytestmark = pytest.mark.timeout(120)

CUSTOM_APP = '''
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

started = {"lifespan": False}


@asynccontextmanager
async def lifespan(app):
    started["lifespan"] = True
    yield


app = FastAPI(lifespan=lifespan)


@app.middleware("http")
async def tag(request: Request, call_next):
    response = await call_next(request)
    response.headers["x-project"] = "custom"
    return response


@app.get("/custom/hello")
async def hello():
    return {"hello": "world", "lifespan": started["lifespan"]}


@app.post("/custom/echo")
async def echo(body: dict):
    return {"echo": body}


@app.get("/info")
async def info():
    return {"served_by": "the project"}
'''


def _project(folder: Path, app_spec: str = "./custom_app.py:app") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "custom_app.py").write_text(CUSTOM_APP)
    config = {
        "dependencies": [str(ROOT)],
        "graphs": {"agent": f"{ROOT / 'agents' / 'agent.py'}:agent"},
        "http": {"app": app_spec},
    }
    (folder / "langgraph.json").write_text(json.dumps(config))
    return folder / "langgraph.json"


@pytest.fixture(scope="module")
def custom_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("custom-routes")
    stack = start_stack(env, work, langgraph_config=_project(work / "project"), extra_env={"API_KEYS": "k"})
    yield stack
    stack.stop()


async def test_the_projects_routes_middleware_and_lifespan_are_served_with_ours(custom_stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=custom_stack.url, timeout=30, headers={"x-api-key": "k"}) as http:
        hello = await http.get("/custom/hello")
        assert hello.json() == {"hello": "world", "lifespan": True} and hello.headers["x-project"] == "custom"
        assert (await http.post("/custom/echo", json={"a": 1})).json() == {"echo": {"a": 1}}
        assert (await http.get("/info")).json() == {"served_by": "the project"}  # its route wins
        threads = await http.post("/threads", json={})
        assert threads.status_code == 200 and threads.headers["x-project"] == "custom"  # its middleware sees ours
        assert (await http.get("/custom/nope")).status_code == 404
    client = get_client(url=custom_stack.url, api_key="k")
    thread = await client.threads.create()
    done = await client.runs.wait(thread["thread_id"], "agent", input={"messages": [{"role": "user", "content": "hi"}]})
    assert done["messages"][-1]["type"] == "ai"


async def test_the_api_key_covers_the_projects_routes(custom_stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=custom_stack.url, timeout=30) as http:
        assert (await http.get("/custom/hello")).status_code == 401
        assert (await http.get("/ok")).status_code == 200


def test_an_http_app_that_cannot_load_stops_the_start_with_its_reason(tmp_path: Path) -> None:
    config = _project(tmp_path, "./custom_app.py:missing")
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "check", "--config", str(config)], cwd=ROOT, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "http.app" in done.stderr and "no attribute 'missing'" in done.stderr
