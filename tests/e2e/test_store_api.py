"""The long-term memory store through the official Python SDK, and the same store inside graph nodes
that run as activities (`runtime.store`, `get_store()`, a tool's `InjectedStore`)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import BadRequestError

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(60)


async def test_put_get_search_namespaces_delete(stack: Stack) -> None:
    client = get_client(url=stack.url)
    root = f"t{uuid.uuid4().hex[:8]}"
    await client.store.put_item([root, "a"], "k1", {"topic": "cats", "n": 1})
    await client.store.put_item([root, "a"], "k2", {"topic": "dogs", "n": 2})
    await client.store.put_item([root, "b", "deep"], "k3", {"topic": "cats", "n": 3})

    item = await client.store.get_item([root, "a"], "k1")
    assert item is not None
    assert (item["namespace"], item["key"], item["value"]) == ([root, "a"], "k1", {"topic": "cats", "n": 1})
    assert item["created_at"].endswith("+00:00") and item["updated_at"] >= item["created_at"]
    assert await client.store.get_item([root, "a"], "missing") is None

    await client.store.put_item([root, "a"], "k1", {"topic": "cats", "n": 10})  # replaces
    assert (await client.store.get_item([root, "a"], "k1"))["value"] == {"topic": "cats", "n": 10}  # type: ignore[index]

    found = await client.store.search_items([root])
    assert {i["key"] for i in found["items"]} == {"k1", "k2", "k3"}
    assert all(i["score"] is None for i in found["items"])
    cats = await client.store.search_items([root], filter={"topic": "cats"})
    assert {i["key"] for i in cats["items"]} == {"k1", "k3"}
    page = await client.store.search_items([root], limit=2, offset=2)
    assert len(page["items"]) == 1

    namespaces = await client.store.list_namespaces(prefix=[root])
    assert sorted(namespaces["namespaces"]) == [[root, "a"], [root, "b", "deep"]]
    shallow = await client.store.list_namespaces(prefix=[root], max_depth=2)
    assert sorted(shallow["namespaces"]) == [[root, "a"], [root, "b"]]
    assert (await client.store.list_namespaces(prefix=[root], suffix=["deep"]))["namespaces"] == [[root, "b", "deep"]]

    await client.store.delete_item([root, "a"], "k1")
    await client.store.delete_item([root, "a"], "k1")  # deleting a missing item is not an error
    assert await client.store.get_item([root, "a"], "k1") is None


async def test_bad_namespaces_keys_and_bodies_are_refused_as_the_official_server(stack: Stack) -> None:
    client = get_client(url=stack.url)
    with pytest.raises(BadRequestError):  # (the SDK itself refuses labels with periods)
        await client.store.put_item([], "k", {"v": 1})
    async with httpx.AsyncClient(base_url=stack.url) as http:
        dotted = await http.put("/store/items", json={"namespace": ["a.b"], "key": "k", "value": {}})
        assert dotted.status_code == 422
        assert dotted.json() == {"detail": "Namespace label 'a.b' must be a non-empty string without periods"}
        empty = await http.put("/store/items", json={"namespace": [], "key": "k", "value": {}})
        assert (empty.status_code, empty.json()) == (400, {"detail": "Namespace cannot be empty."})
        no_key = await http.get("/store/items", params={"namespace": "a"})
        assert (no_key.status_code, no_key.json()) == (400, {"detail": "Key is required"})
        empty_label = await http.get("/store/items", params={"namespace": "a..b", "key": "k"})
        assert empty_label.status_code == 422
        not_a_dict = await http.put("/store/items", json={"namespace": ["a"], "key": "k", "value": [1]})
        assert not_a_dict.status_code == 422 and "value" in not_a_dict.json()["detail"]
        bad_ttl = await http.put("/store/items", json={"namespace": ["a"], "key": "k", "value": {}, "ttl": "soon"})
        assert bad_ttl.status_code == 422 and "ttl" in bad_ttl.json()["detail"]
        bad_limit = await http.post("/store/items/search", json={"namespace_prefix": ["a"], "limit": "x"})
        assert bad_limit.status_code == 422


async def test_nodes_and_tools_use_the_store_the_api_shows(stack: Stack) -> None:
    client = get_client(url=stack.url)
    user = f"u{uuid.uuid4().hex[:8]}"
    await client.store.put_item(["profiles"], user, {"name": "Ada"})
    thread = await client.threads.create()
    result = await client.runs.wait(thread["thread_id"], "memory", input={"user": user, "note": "likes tea"})
    assert result["profile"] == {"name": "Ada"}  # type: ignore[index]  # the node read what the API wrote
    note = await client.store.get_item(["memories", user], "note")
    assert note is not None and note["value"] == {"text": "likes tea"}
    fact = await client.store.get_item(["facts", user], "latest")  # written by the tool (InjectedStore)
    assert fact is not None and fact["value"] == {"fact": "LIKES TEA"}
    assert result["messages"][-1]["content"] == "saved"  # type: ignore[index]


async def test_a_node_running_in_the_workflow_uses_the_store_through_local_activities(stack: Stack) -> None:
    client = get_client(url=stack.url)
    user = f"u{uuid.uuid4().hex[:8]}"
    await client.store.put_item(["profiles"], user, {"name": "Grace"})
    thread = await client.threads.create()
    result = await client.runs.wait(thread["thread_id"], "memory_inline", input={"user": user, "note": "n1"})
    assert result["profile"] == {"profile": {"name": "Grace"}, "found": [{"note": "n1"}]}  # type: ignore[index]
    assert (await client.store.get_item(["inline", user], "seen"))["value"] == {"note": "n1"}  # type: ignore[index]
