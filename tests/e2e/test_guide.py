"""The background-runs guide (../shared/seed), step by step, with the official Python SDK."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(90)

AGENT_ASSISTANT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"  # uuid5 of "agent", as in the guide
GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}


async def test_background_run_guide(stack: Stack) -> None:
    client = get_client(url=stack.url)
    assistant_id = "agent"

    thread = await client.threads.create()
    assert uuid.UUID(thread["thread_id"]).version == 7
    assert thread["status"] == "idle"
    assert thread["metadata"] == {}
    assert thread["values"] is None
    assert thread["created_at"].endswith("+00:00")

    assert await client.runs.list(thread["thread_id"]) == []

    run = await client.runs.create(thread["thread_id"], assistant_id, input=GUIDE_INPUT)
    assert uuid.UUID(run["run_id"]).version == 7
    assert run["assistant_id"] == AGENT_ASSISTANT_ID
    assert run["thread_id"] == thread["thread_id"]
    assert run["multitask_strategy"] == "enqueue"
    assert run["kwargs"]["input"] == GUIDE_INPUT
    assert run["kwargs"]["stream_mode"] == ["values"]
    assert run["kwargs"]["config"]["configurable"] == {
        "run_id": run["run_id"],
        "thread_id": thread["thread_id"],
        "graph_id": "agent",
        "assistant_id": AGENT_ASSISTANT_ID,
        "user_id": "",
        "langgraph_auth_user": None,
        "langgraph_auth_user_id": "",
        "langgraph_auth_permissions": [],
    }

    polled = await client.runs.get(thread["thread_id"], run["run_id"])
    assert polled["status"] in ("pending", "running", "success")

    joined = await client.runs.join(thread["thread_id"], run["run_id"])
    assert [m["type"] for m in joined["messages"]] == ["human", "ai", "tool", "ai"]
    assert joined["messages"][1]["tool_calls"][0]["name"] == "get_weather"
    assert joined["messages"][2]["content"] == "It's 60 degrees and foggy."
    assert "60 degrees and foggy" in joined["messages"][3]["content"]

    finished = await client.runs.get(thread["thread_id"], run["run_id"])
    assert finished["status"] == "success"
    assert finished["updated_at"] >= finished["created_at"]

    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"] == joined
    assert state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread["thread_id"]
    assert state["metadata"]["step"] >= 3
    assert state["metadata"]["run_id"] == run["run_id"]
    assert state["metadata"]["graph_id"] == "agent"
    assert state["metadata"]["assistant_id"] == AGENT_ASSISTANT_ID

    after = await client.threads.get(thread["thread_id"])
    assert after["status"] == "idle"
    assert after["metadata"] == {"graph_id": "agent", "assistant_id": AGENT_ASSISTANT_ID}
    assert after["values"] == joined
    assert [r["run_id"] for r in await client.runs.list(thread["thread_id"])] == [run["run_id"]]

    await client.threads.delete(thread["thread_id"])
    with pytest.raises(NotFoundError):
        await client.threads.get(thread["thread_id"])
    with pytest.raises(NotFoundError):
        await client.threads.delete(thread["thread_id"])


async def test_second_run_continues_the_thread(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    first = await client.runs.wait(thread["thread_id"], "agent", input=GUIDE_INPUT)
    second = await client.runs.wait(
        thread["thread_id"], "agent", input={"messages": [{"role": "user", "content": "and the weather in Paris?"}]}
    )
    assert second["messages"][:4] == first["messages"]
    assert len(second["messages"]) == 8
    assert "90 degrees and sunny" in second["messages"][-1]["content"]
    runs = await client.runs.list(thread["thread_id"])
    assert [r["status"] for r in runs] == ["success", "success"]


async def test_stateless_wait_deletes_its_thread(stack: Stack) -> None:
    client = get_client(url=stack.url)
    values = await client.runs.wait(None, "agent", input=GUIDE_INPUT)
    assert [m["type"] for m in values["messages"]] == ["human", "ai", "tool", "ai"]
    kept = await client.runs.wait(None, "agent", input=GUIDE_INPUT, on_completion="keep")
    assert kept == {**values, "messages": [{**m, "id": k["id"]} for m, k in zip(values["messages"], kept["messages"])]}
    threads = await client.threads.search(metadata={"graph_id": "agent"}, limit=1000)
    # Only the kept temporary thread can be found (the deleted one is gone with its runs).
    found = [t for t in threads if t["values"] and t["values"]["messages"][0]["id"] == kept["messages"][0]["id"]]
    assert len(found) == 1
    assert all(t["values"] is None or t["values"]["messages"][0]["id"] != values["messages"][0]["id"] for t in threads)
