"""Assistants through the official Python SDK: CRUD, versions, search and count, graph and schemas."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import ConflictError, NotFoundError

from tests.conftest import Stack
from tests.helpers import system_assistant_id

pytestmark = pytest.mark.timeout(60)


async def test_create_get_update_versions_and_latest(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tag = uuid.uuid4().hex
    created = await client.assistants.create(
        "agent", config={"tags": ["a"]}, context={"model": "m1"}, metadata={"tag": tag, "team": "x"}, name="mine"
    )
    assert uuid.UUID(created["assistant_id"])
    assert created["version"] == 1
    assert created["name"] == "mine"
    assert created["context"] == {"model": "m1"}
    assert created["config"]["configurable"] == {"model": "m1"}  # context and configurable mirror
    assert await client.assistants.get(created["assistant_id"]) == created

    updated = await client.assistants.update(created["assistant_id"], metadata={"team": "y"}, context={"model": "m2"})
    assert updated["version"] == 2
    assert updated["metadata"] == {"tag": tag, "team": "y"}  # merged
    assert updated["context"] == {"model": "m2"}
    assert updated["name"] == "mine"

    versions = await client.assistants.get_versions(created["assistant_id"])
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[1]["context"] == {"model": "m1"}

    restored = await client.assistants.set_latest(created["assistant_id"], 1)
    assert restored["version"] == 1
    assert restored["context"] == {"model": "m1"}
    assert (await client.assistants.get(created["assistant_id"]))["version"] == 1
    # A later update numbers after the highest version ever made.
    assert (await client.assistants.update(created["assistant_id"], name="again"))["version"] == 3

    with pytest.raises(NotFoundError):
        await client.assistants.set_latest(created["assistant_id"], 99)


async def test_if_exists_and_errors(stack: Stack) -> None:
    client = get_client(url=stack.url)
    assistant_id = str(uuid.uuid4())
    first = await client.assistants.create("agent", assistant_id=assistant_id, name="one")
    with pytest.raises(ConflictError):
        await client.assistants.create("agent", assistant_id=assistant_id)
    same = await client.assistants.create("agent", assistant_id=assistant_id, if_exists="do_nothing", name="two")
    assert same == first
    with pytest.raises(NotFoundError):
        await client.assistants.create("no-such-graph")
    with pytest.raises(NotFoundError):
        await client.assistants.get(str(uuid.uuid4()))
    async with httpx.AsyncClient(base_url=stack.url) as http:
        both = await http.post(
            "/assistants", json={"graph_id": "agent", "config": {"configurable": {"a": 1}}, "context": {"a": 1}}
        )
        assert both.status_code == 400
        assert "context" in both.json()["detail"]
        missing = await http.post("/assistants", json={"name": "no graph"})
        assert missing.status_code == 422
        assert "graph_id" in missing.json()["detail"]


async def test_search_count_select_and_pagination(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tag = uuid.uuid4().hex
    made = [await client.assistants.create("agent", metadata={"tag": tag, "i": i}, name=f"n{i}") for i in range(3)]
    found = await client.assistants.search(metadata={"tag": tag}, sort_by="name", sort_order="asc")
    assert [a["name"] for a in found] == ["n0", "n1", "n2"]
    assert await client.assistants.count(metadata={"tag": tag}) == 3
    assert await client.assistants.count(metadata={"tag": tag, "i": 1}) == 1
    assert await client.assistants.count(graph_id="agent") >= 4  # the default assistant too

    page = await client.assistants.search(metadata={"tag": tag}, limit=2, response_format="object")
    assert len(page["assistants"]) == 2
    assert page["next"] == "2"
    rest = await client.assistants.search(metadata={"tag": tag}, limit=2, offset=2, response_format="object")
    assert len(rest["assistants"]) == 1 and rest["next"] is None
    ids = {a["assistant_id"] for a in page["assistants"] + rest["assistants"]}
    assert ids == {a["assistant_id"] for a in made}

    selected = await client.assistants.search(metadata={"tag": tag}, select=["assistant_id", "name"])
    assert all(set(a) == {"assistant_id", "name"} for a in selected)


async def test_delete_with_threads(stack: Stack) -> None:
    client = get_client(url=stack.url)
    assistant = await client.assistants.create("gated")
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], assistant["assistant_id"], input={"label": "x"})
    assert (await client.threads.get(thread["thread_id"]))["metadata"]["assistant_id"] == assistant["assistant_id"]
    await client.assistants.delete(assistant["assistant_id"], delete_threads=True)
    with pytest.raises(NotFoundError):
        await client.assistants.get(assistant["assistant_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get(thread["thread_id"])
    with pytest.raises(NotFoundError):
        await client.assistants.delete(assistant["assistant_id"])


async def test_graph_schemas_and_subgraphs(stack: Stack) -> None:
    client = get_client(url=stack.url)
    graph = await client.assistants.get_graph(await system_assistant_id(client, "agent"))
    assert {n["id"] for n in graph["nodes"]} == {"__start__", "agent", "tools", "__end__"}
    assert {"source": "tools", "target": "agent"} in [
        {"source": e["source"], "target": e["target"]} for e in graph["edges"]
    ]
    assert (await client.assistants.get_graph(await system_assistant_id(client, "agent"), xray=True))["nodes"]

    schemas = await client.assistants.get_schemas(await system_assistant_id(client, "agent"))
    assert schemas["graph_id"] == "agent"
    assert "messages" in schemas["input_schema"]["properties"]
    assert "messages" in schemas["state_schema"]["properties"]
    assert "messages" in schemas["output_schema"]["properties"]

    gated = await client.assistants.get_schemas(await system_assistant_id(client, "gated"))
    assert set(gated["state_schema"]["properties"]) == {"label", "log_file", "gate", "trace"}

    assert await client.assistants.get_subgraphs(await system_assistant_id(client, "agent")) == {}
    with pytest.raises(NotFoundError):
        await client.assistants.get_graph(str(uuid.uuid4()))
