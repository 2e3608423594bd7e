"""The API key mode end to end: every route but /ok demands one of `API_KEYS` (issue 16)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack, start_stack

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def keyed_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(env, tmp_path_factory.mktemp("keyed-stack"), extra_env={"API_KEYS": "old-key,new-key"})
    yield stack
    stack.stop()


async def test_the_sdk_needs_a_key_and_works_with_either(keyed_stack: Stack) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        await get_client(url=keyed_stack.url, api_key=None).threads.create()
    assert refused.value.response.status_code == 401
    assert "x-api-key" in refused.value.response.json()["detail"]
    for key in ("old-key", "new-key"):
        client = get_client(url=keyed_stack.url, api_key=key)
        thread = await client.threads.create()
        assert (await client.threads.get(thread["thread_id"]))["thread_id"] == thread["thread_id"]
        done = await client.runs.wait(thread["thread_id"], "agent", input={"messages": [{"role": "user", "content": "hi"}]})
        assert done["messages"][-1]["type"] == "ai"
    wrong = get_client(url=keyed_stack.url, api_key="not-a-key")
    with pytest.raises(httpx.HTTPStatusError):
        await wrong.assistants.search()


async def test_ok_and_preflights_are_open_and_a_bearer_token_works(keyed_stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=keyed_stack.url, timeout=30) as http:
        assert (await http.get("/ok")).status_code == 200
        assert (await http.get("/info")).status_code == 401
        preflight = await http.options("/threads", headers={"Origin": "http://ui.example", "Access-Control-Request-Method": "POST"})
        assert preflight.status_code == 200
        assert (await http.get("/info", headers={"Authorization": "Bearer new-key"})).status_code == 200


async def test_the_thread_protocol_socket_needs_the_key(keyed_stack: Stack) -> None:
    import websockets

    url = keyed_stack.url.replace("http://", "ws://") + f"/threads/{uuid.uuid4()}/stream/events"
    with pytest.raises(websockets.exceptions.InvalidStatus):
        async with websockets.connect(url):
            pass
    async with websockets.connect(url, additional_headers={"x-api-key": "new-key"}) as socket:
        await socket.send(json.dumps({"id": 1, "method": "agent.getTree", "params": {}}))
        assert json.loads(await socket.recv())["error"] == "no_such_run"
