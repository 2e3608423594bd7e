"""Threads, state and history through the official Python SDK."""

from __future__ import annotations

import uuid

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import BadRequestError, ConflictError, NotFoundError

from tests.conftest import Stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(60)

GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}


async def test_create_patch_search_count(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tag = uuid.uuid4().hex
    thread_id = str(uuid.uuid4())
    thread = await client.threads.create(thread_id=thread_id, metadata={"tag": tag, "n": 1})
    assert thread["thread_id"] == thread_id and thread["status"] == "idle"
    with pytest.raises(ConflictError):
        await client.threads.create(thread_id=thread_id)
    assert (await client.threads.create(thread_id=thread_id, if_exists="do_nothing"))["metadata"] == {"tag": tag, "n": 1}

    patched = await client.threads.update(thread_id, metadata={"n": 2, "extra": True})
    assert patched["metadata"] == {"tag": tag, "n": 2, "extra": True}

    others = [await client.threads.create(metadata={"tag": tag, "n": 10 + i}) for i in range(2)]
    await client.runs.wait(others[0]["thread_id"], "gated", input={"label": "v"})

    assert await client.threads.count(metadata={"tag": tag}) == 3
    assert await client.threads.count(metadata={"tag": tag}, values={"label": "v"}) == 1
    found = await client.threads.search(metadata={"tag": tag}, values={"label": "v"})
    assert [t["thread_id"] for t in found] == [others[0]["thread_id"]]
    assert found[0]["metadata"]["graph_id"] == "gated"
    by_ids = await client.threads.search(ids=[thread_id, others[1]["thread_id"]], sort_by="thread_id", sort_order="asc")
    assert [t["thread_id"] for t in by_ids] == sorted([thread_id, others[1]["thread_id"]])
    selected = await client.threads.search(metadata={"tag": tag}, select=["thread_id", "status"])
    assert all(set(t) == {"thread_id", "status"} for t in selected)
    extracted = await client.threads.search(
        metadata={"tag": tag}, values={"label": "v"}, extract={"first": "values.trace.0", "label": "values.label"}
    )
    assert extracted[0]["extracted"] == {"first": "v:first", "label": "v"}

    async with httpx.AsyncClient(base_url=stack.url) as http:
        page = await http.post("/threads/search", json={"metadata": {"tag": tag}, "limit": 2})
        assert page.headers["X-Pagination-Next"] == "2"
        last = await http.post("/threads/search", json={"metadata": {"tag": tag}, "limit": 2, "offset": 2})
        assert "X-Pagination-Next" not in last.headers
        bad = await http.post("/threads/search", json={"ids": ["not-a-uuid"]})
        assert bad.status_code == 422 and "UUID" in bad.json()["detail"]

    with pytest.raises(NotFoundError):
        await client.threads.update(str(uuid.uuid4()), metadata={})


async def test_state_history_and_checkpoints(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    tid = thread["thread_id"]
    await client.runs.wait(tid, "agent", input=GUIDE_INPUT)

    state = await client.threads.get_state(tid)
    assert [m["type"] for m in state["values"]["messages"]] == ["human", "ai", "tool", "ai"]
    assert state["next"] == [] and state["metadata"]["source"] == "loop"

    history = await client.threads.get_history(tid, limit=20)
    assert [h["metadata"]["step"] for h in history] == [3, 2, 1, 0, -1]
    assert history[-1]["metadata"]["source"] == "input"
    assert history[0]["checkpoint"]["checkpoint_id"] == state["checkpoint"]["checkpoint_id"]
    for newer, older in zip(history, history[1:]):
        assert newer["parent_checkpoint"]["checkpoint_id"] == older["checkpoint"]["checkpoint_id"]

    assert len(await client.threads.get_history(tid, limit=2)) == 2
    before = await client.threads.get_history(tid, before=history[1]["checkpoint"], limit=10)
    assert [h["metadata"]["step"] for h in before] == [1, 0, -1]
    only_input = await client.threads.get_history(tid, metadata={"source": "input"})
    assert [h["metadata"]["step"] for h in only_input] == [-1]
    async with httpx.AsyncClient(base_url=stack.url) as http:
        got = await http.get(f"/threads/{tid}/history", params={"limit": 3, "before": history[0]["checkpoint"]["checkpoint_id"]})
        assert [h["metadata"]["step"] for h in got.json()] == [2, 1, 0]

    at_tool = history[1]  # step 2: after the tool ran
    by_id = await client.threads.get_state(tid, checkpoint_id=at_tool["checkpoint"]["checkpoint_id"])
    assert by_id["values"] == at_tool["values"]
    assert by_id["next"] == ["agent"]
    by_config = await client.threads.get_state(tid, checkpoint=at_tool["checkpoint"])
    assert by_config["checkpoint"] == at_tool["checkpoint"]

    # A checkpoint the thread does not have is an empty state (the official 200), not a 404.
    missing_id = str(uuid.uuid4())
    unknown = await client.threads.get_state(tid, checkpoint_id=missing_id)
    assert unknown["values"] == {} and unknown["created_at"] is None and unknown["checkpoint_id"] == missing_id
    with pytest.raises(NotFoundError):
        await client.threads.get_state(str(uuid.uuid4()))

    storage = await client.http.get(f"/threads/{tid}/storage")
    assert storage["thread_id"] == tid and storage["total_bytes"] > 0


async def test_update_state_fork_and_interrupted_status(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    with pytest.raises(BadRequestError, match="has no assigned graph ID"):  # no graph yet
        await client.threads.update_state(tid, {"label": "x"}, as_node="first")

    run = await client.runs.wait(tid, "gated", input={"label": "a"}, interrupt_before=["last"])
    assert run["trace"] == ["a:first", "a:wait"]
    thread = await client.threads.get(tid)
    assert thread["status"] == "interrupted"
    assert (await client.threads.get_state(tid))["next"] == ["last"]

    updated = await client.threads.update_state(tid, {"trace": ["edited"]}, as_node="wait")
    checkpoint_id = updated["checkpoint"]["checkpoint_id"]
    state = await client.threads.get_state(tid)
    assert state["checkpoint"]["checkpoint_id"] == checkpoint_id
    assert state["values"]["trace"] == ["a:first", "a:wait", "edited"]
    assert state["metadata"]["source"] == "update"
    assert (await client.threads.get(tid))["values"]["trace"] == ["a:first", "a:wait", "edited"]

    # Resume from there: the pending node runs.
    finished = await client.runs.wait(tid, "gated", input=None)
    assert finished["trace"] == ["a:first", "a:wait", "edited", "a:last"]
    assert (await client.threads.get(tid))["status"] == "idle"

    # Fork from the checkpoint before the edit: a new branch without it.
    history = await client.threads.get_history(tid, limit=20)
    before_edit = next(h for h in history if h["values"].get("trace") == ["a:first", "a:wait"])
    forked = await client.runs.wait(
        tid, "gated", input=None, checkpoint_id=before_edit["checkpoint"]["checkpoint_id"]
    )
    assert forked["trace"] == ["a:first", "a:wait", "a:last"]
    assert (await client.threads.get_state(tid))["values"]["trace"] == ["a:first", "a:wait", "a:last"]


async def test_supersteps_copy_prune_and_ttl(stack: Stack) -> None:
    client = get_client(url=stack.url)
    seeded = await client.threads.create(
        graph_id="gated",
        supersteps=[
            {"updates": [{"values": {"label": "s", "trace": ["one"]}, "as_node": "__input__"}]},
            {"updates": [{"values": {"label": "s", "trace": ["one"]}, "as_node": "__start__"}]},
            {"updates": [{"values": {"trace": ["two"]}, "as_node": "first"}]},
        ],
    )
    tid = seeded["thread_id"]
    assert seeded["values"] == {"label": "s", "trace": ["one", "two"]}
    state = await client.threads.get_state(tid)
    assert state["next"] == ["wait"]
    assert seeded["status"] == "interrupted"

    copy = await client.threads.copy(tid)
    assert copy["thread_id"] != tid and copy["metadata"]["graph_id"] == "gated"
    original = [h["checkpoint"]["checkpoint_id"] for h in await client.threads.get_history(tid, limit=50)]
    copied = [h["checkpoint"]["checkpoint_id"] for h in await client.threads.get_history(copy["thread_id"], limit=50)]
    assert copied == original and len(original) >= 2

    result = await client.threads.prune([copy["thread_id"]], strategy="keep_latest")
    assert result == {"pruned_count": 1}
    kept = await client.threads.get_history(copy["thread_id"], limit=50)
    assert [h["checkpoint"]["checkpoint_id"] for h in kept] == original[:1]
    assert (await client.threads.prune([copy["thread_id"], str(uuid.uuid4())]))["pruned_count"] == 1
    with pytest.raises(NotFoundError):
        await client.threads.get(copy["thread_id"])

    async with httpx.AsyncClient(base_url=stack.url) as http:
        bad = await http.post("/threads", json={"supersteps": [{"updates": [{"values": {}, "as_node": "first"}]}]})
        assert bad.status_code == 422 and "graph_id" in bad.json()["detail"]

    short = await client.threads.create(ttl={"ttl": 0.01, "strategy": "delete"})  # 0.6 s
    assert short["ttl"] == {"ttl": 0.01, "strategy": "delete"}

    async def gone() -> None:
        try:
            await client.threads.get(short["thread_id"])
        except NotFoundError:
            return
        raise AssertionError("the thread outlived its TTL")

    await assert_eventually(gone, timeout=15)
    assert (await client.threads.get(tid))["thread_id"] == tid  # no TTL: kept
