"""Streaming runs over SSE with the official Python SDK, served from the run's durable stream."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack
from tests.helpers import system_assistant_id

pytestmark = pytest.mark.timeout(60)

GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}


async def _collect(parts: Any) -> list[Any]:
    return [part async for part in parts]


async def test_stream_values_and_updates_of_the_agent(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(
        client.runs.stream(thread["thread_id"], "agent", input=GUIDE_INPUT, stream_mode=["values", "updates"])
    )
    events = [p.event for p in parts]
    # The reference server's sequence for this graph and input.
    assert events == ["metadata", "values", "updates", "values", "updates", "values", "updates", "values"]
    metadata = parts[0].data
    run = await client.runs.get(thread["thread_id"], metadata["run_id"])
    assert run["status"] == "success" and metadata["attempt"] == 1
    assert [m["type"] for m in parts[1].data["messages"]] == ["human"]
    assert list(parts[2].data) == ["agent"] and parts[2].data["agent"]["messages"][0]["tool_calls"][0]["name"] == "get_weather"
    assert list(parts[4].data) == ["tools"]
    assert [m["type"] for m in parts[-1].data["messages"]] == ["human", "ai", "tool", "ai"]
    assert parts[-1].data == (await client.threads.get_state(thread["thread_id"]))["values"]


async def test_custom_events_from_an_activity_node_and_stateless_stream(stack: Stack) -> None:
    client = get_client(url=stack.url)
    parts = await _collect(client.runs.stream(None, "writer", input={"items": 4}, stream_mode=["custom", "values"]))
    assert [p.event for p in parts] == ["metadata", "values", "custom", "custom", "custom", "custom", "values"]
    assert [p.data for p in parts if p.event == "custom"] == [{"progress": i} for i in range(4)]
    assert parts[-1].data == {"items": 4, "written": [0, 1, 2, 3]}


async def test_failing_run_ends_its_stream_with_an_error_event(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(client.runs.stream(thread["thread_id"], "failing", input={"value": 1}))
    assert parts[0].event == "metadata"
    assert parts[-1].event == "error"
    assert parts[-1].data == {"error": "ValueError", "message": "boom: this node always fails"}


async def test_join_a_finished_stream_from_the_start_and_after_an_event(stack: Stack) -> None:
    thread_id = (await get_client(url=stack.url).threads.create())["thread_id"]
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        first = await _sse(http, "POST", f"/threads/{thread_id}/runs/stream",
                           json={"assistant_id": "agent", "input": GUIDE_INPUT, "stream_mode": ["values", "updates"]})
        assert first.headers["content-type"].startswith("text/event-stream")
        run_id = first.events[0][2]["run_id"]
        assert first.headers["location"] == f"/threads/{thread_id}/runs/{run_id}/stream"
        assert first.headers["content-location"] == f"/threads/{thread_id}/runs/{run_id}"
        ids = [event_id for event_id, _e, _d in first.events]
        assert ids[0] == "-1" and ids[1:] == [str(i) for i in range(len(ids) - 1)]

        replay = await _sse(http, "GET", first.headers["location"], headers={"Last-Event-ID": "-1"})
        assert replay.events == first.events
        rest = await _sse(http, "GET", first.headers["location"], headers={"Last-Event-ID": ids[3]})
        assert rest.events == first.events[4:]
        assert (await _sse(http, "GET", first.headers["location"])).events == []  # ended: nothing new
        only_values = await _sse(http, "GET", first.headers["location"] + "?stream_mode=values",
                                 headers={"Last-Event-ID": "-1"})
        assert [e for _i, e, _d in only_values.events] == ["metadata", "values", "values", "values", "values"]
        bad = await http.get(first.headers["location"], headers={"Last-Event-ID": "nonsense"})
        assert bad.status_code == 422 and "Last-Event-ID" in bad.json()["detail"]
    # The official client's join without a stream_mode sends `stream_mode=` (empty): the run's own modes.
    joined = [p async for p in get_client(url=stack.url).runs.join_stream(thread_id, run_id, last_event_id="-1")]
    assert [(p.event, p.data) for p in joined] == [(e, d) for _i, e, d in first.events]


class _Stream:
    def __init__(self, headers: httpx.Headers, events: list[tuple[str | None, str, Any]]) -> None:
        self.headers = headers
        self.events = events


async def _sse(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> _Stream:
    """The whole stream as (id, event, data) tuples, parsed by hand (the wire format itself is tested)."""
    import json

    events: list[tuple[str | None, str, Any]] = []
    async with http.stream(method, url, **kwargs) as response:
        assert response.status_code == 200, await response.aread()
        block: dict[str, str] = {}
        async for line in response.aiter_lines():
            if line.startswith(":"):
                continue
            if not line:
                if block:
                    events.append((block.get("id"), block["event"], json.loads(block["data"])))
                block = {}
                continue
            key, _, value = line.partition(": ")
            block[key] = value
        return _Stream(response.headers, events)


async def test_messages_tuple_streams_tokens_from_the_model_activity(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(
        client.runs.stream(thread["thread_id"], "agent", input=GUIDE_INPUT, stream_mode="messages-tuple")
    )
    assert parts[0].event == "metadata"
    messages = [p.data for p in parts[1:]]
    assert all(p.event == "messages" for p in parts[1:])
    # The tool call (streamed by the model activity), the tool's result (from the tools node's
    # update), then the answer word by word.
    tool_result = [chunk for chunk, meta in messages if chunk["type"] == "tool"]
    assert [c["content"] for c in tool_result] == ["It's 60 degrees and foggy."]
    calls = [c for c, _m in messages if c["type"] == "AIMessageChunk" and c.get("tool_call_chunks")]
    assert calls[0]["tool_call_chunks"][0]["name"] == "get_weather"
    answer = [chunk for chunk, meta in messages if chunk["type"] == "AIMessageChunk" and chunk["content"]]
    # The final answer arrives word by word from the activity that runs the model.
    assert len(answer) >= 5
    assert "".join(c["content"] for c in answer) == "The weather in sf: It's 60 degrees and foggy."
    assert len({c["id"] for c in answer}) == 1
    assert {m["langgraph_node"] for c, m in messages if c["type"] == "AIMessageChunk"} == {"agent"}
    final = (await client.threads.get_state(thread["thread_id"]))["values"]["messages"][-1]
    assert final["content"] == "The weather in sf: It's 60 degrees and foggy."


async def test_messages_mode_sends_metadata_partial_and_complete(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(client.runs.stream(thread["thread_id"], "agent", input=GUIDE_INPUT, stream_mode="messages"))
    assert parts[0].event == "metadata"
    events = parts[1:]
    assert {p.event for p in events} == {"messages/metadata", "messages/partial", "messages/complete"}
    announced = [next(iter(p.data)) for p in events if p.event == "messages/metadata"]
    assert len(announced) == len(set(announced)) == 3  # the tool call, the tool result, the answer
    partials = [p.data[0] for p in events if p.event == "messages/partial"]
    answer = [m for m in partials if m["id"] == partials[-1]["id"]]
    assert len(answer) >= 5 and all(m["type"] == "ai" for m in answer)
    # Each partial is the message so far: it only grows, up to the whole answer.
    assert [m["content"] for m in answer] == sorted((m["content"] for m in answer), key=len)
    assert answer[-1]["content"] == "The weather in sf: It's 60 degrees and foggy."
    assert partials[0]["tool_calls"][0]["name"] == "get_weather"
    completes = [p.data[0] for p in events if p.event == "messages/complete"]
    assert [(m["type"], m["content"]) for m in completes] == [("tool", "It's 60 degrees and foggy.")]


async def _read_until(response: httpx.Response, done: Any) -> list[tuple[str | None, str, Any]]:
    """Parse SSE events from an open response until `done(events)` is true (thread streams stay open)."""
    import json

    events: list[tuple[str | None, str, Any]] = []
    block: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line.startswith(":"):
            continue
        if line:
            key, _, value = line.partition(": ")
            block[key] = value
            continue
        if block:
            events.append((block.get("id"), block["event"], json.loads(block["data"])))
            block = {}
            if done(events):
                return events
    raise AssertionError(f"stream closed early: {events}")


async def test_thread_stream_runs_one_after_the_other_and_resumes(stack: Stack) -> None:
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    first = await client.runs.create(tid, "gated", input={"label": "a"}, stream_mode=["values"])
    await client.runs.join(tid, first["run_id"])

    def ended(label: str) -> Any:
        return lambda ev: any(e == "values" and (d.get("trace") or [""])[-1] == f"{label}:last" for _i, e, d in ev)

    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        # From now on: the thread's next run shows up on an already open stream.
        async with http.stream("GET", f"/threads/{tid}/stream") as live:
            assert live.status_code == 200
            second = await client.runs.create(tid, "gated", input={"label": "b"}, stream_mode=["values"])
            seen = await _read_until(live, ended("b"))
        assert seen[0] == (f"{second['run_id']}:-1", "metadata", {"run_id": second["run_id"], "attempt": 1})
        assert all(i.startswith(second["run_id"] + ":") for i, _e, _d in seen)

        # From the start: both runs, in order, each with its own metadata first.
        async with http.stream("GET", f"/threads/{tid}/stream", headers={"Last-Event-ID": "-"}) as everything:
            history = await _read_until(everything, ended("b"))
        starts = [d["run_id"] for _i, e, d in history if e == "metadata" and "attempt" in d]
        assert starts == [first["run_id"], second["run_id"]]
        done = [(i, d) for i, e, d in history if e == "metadata" and d.get("status") == "run_done"]
        assert done == [(f"{first['run_id']}:done", {"status": "run_done", "run_id": first["run_id"]})]
        assert [e for _i, e, _d in history].count("values") == 8  # input + 3 nodes, per run

        # Resume after the first run's second event: the rest of it, then the second run.
        resume_at = history[2][0]
        async with http.stream("GET", f"/threads/{tid}/stream", headers={"Last-Event-ID": resume_at}) as rest:
            resumed = await _read_until(rest, lambda ev: ev[-1][0] == history[-1][0])
        assert resumed == history[3:]

        bad = await http.get(f"/threads/{tid}/stream", headers={"Last-Event-ID": "nonsense"})
        assert bad.status_code == 422
        unknown = await http.get(f"/threads/{tid}/stream", params={"stream_modes": "everything"})
        assert unknown.status_code == 422 and "lifecycle" in unknown.json()["detail"]


async def test_thread_stream_lifecycle_and_state_updates(stack: Stack) -> None:
    """`lifecycle` sends each run's start and `run_done`; `state_update` the states written through
    the API, in their place between the runs; a resume after `run_done` continues with what follows."""
    client = get_client(url=stack.url)
    tid = (await client.threads.create())["thread_id"]
    await client.runs.wait(tid, "gated", input={"label": "a"})
    await client.threads.update_state(tid, {"trace": ["edited"]}, as_node="last")
    await client.runs.wait(tid, "gated", input={"label": "b"})
    first, second = reversed([r["run_id"] for r in await client.runs.list(tid)])

    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        async def from_start(modes: list[str], until: Any, **headers: str) -> list[tuple[str | None, str, Any]]:
            headers = {"Last-Event-ID": "-", **headers}
            async with http.stream("GET", f"/threads/{tid}/stream", params={"stream_modes": modes}, headers=headers) as r:
                assert r.status_code == 200
                return await _read_until(r, until)

        lifecycle = await from_start(["lifecycle"], lambda ev: len(ev) == 4)
        assert lifecycle == [
            (f"{first}:-1", "metadata", {"run_id": first, "attempt": 1}),
            (f"{first}:done", "metadata", {"status": "run_done", "run_id": first}),
            (f"{second}:-1", "metadata", {"run_id": second, "attempt": 1}),
            (f"{second}:done", "metadata", {"status": "run_done", "run_id": second}),
        ]

        [(update_id, event, data)] = await from_start(["state_update"], lambda ev: len(ev) == 1)
        assert event == "state_update" and update_id.endswith(":state")
        assert data["thread_id"] == tid
        assert data["state"]["values"]["trace"] == ["a:first", "a:wait", "a:last", "edited"]
        assert data["state"]["metadata"]["source"] == "update"

        both = ["run_modes", "state_update"]
        everything = await from_start(both, lambda ev: ev[-1][0] == f"{second}:done")
        names = [e for _i, e, _d in everything]
        assert names.index("state_update") == names.index("metadata", 1) + 1  # right after run 1's done
        resumed = await from_start(both, lambda ev: ev[-1][0] == f"{second}:done", **{"Last-Event-ID": f"{first}:done"})
        assert resumed == everything[names.index("state_update"):]
        comma_separated = await from_start(["run_modes,state_update"], lambda ev: ev[-1][0] == f"{second}:done")
        assert comma_separated == everything
        # Resuming right after a run's `metadata` sends the run's first event next, not `metadata` again.
        after_start = await from_start(both, lambda ev: ev[-1][0] == f"{second}:done", **{"Last-Event-ID": f"{first}:-1"})
        assert after_start == everything[1:]

    # The official client names the parameter `stream_mode`.
    parts = []
    async for part in await client.threads.join_stream(tid, stream_mode="lifecycle", last_event_id="-"):
        parts.append((part.event, part.data))
        if len(parts) == len(lifecycle):
            break
    assert parts == [(e, d) for _i, e, d in lifecycle]


async def test_a_compiled_subgraph_runs_and_streams_with_its_namespace(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(
        client.runs.stream(
            thread["thread_id"], "nested", input={"topic": "tides"},
            stream_mode=["updates", "custom"], stream_subgraphs=True,
        )
    )
    events = [p.event for p in parts]
    child_updates = [p for p in parts if p.event.startswith("updates|team:")]
    assert [list(p.data) for p in child_updates] == [["research"], ["summarize"]]
    # As plain LangGraph: the subgraph node's custom item (written in its activity) carries the
    # subgraph's namespace, the same as the subgraph's updates.
    namespace = child_updates[0].event.removeprefix("updates")
    assert [p.data for p in parts if p.event.startswith("custom")] == [{"researching": "tides"}]
    assert events[:3] == ["metadata", "updates", f"custom{namespace}"] and events[-1] == "updates"
    assert list(parts[-1].data) == ["team"]  # the parent's update for the subgraph node comes last

    state = await client.threads.get_state(thread["thread_id"])
    # What plain LangGraph gives for this graph (the subgraph's output goes through the parent's reducer).
    assert state["values"] == {"topic": "tides", "notes": ["planned", "planned", "researched tides", "summary of 2 notes"]}
    with_subgraphs = await client.threads.get_state(thread["thread_id"], subgraphs=True)
    assert with_subgraphs["values"] == state["values"]
    # The subgraph's checkpoints are stored under its namespace, as with LangGraph's own server.
    subgraphs = await client.assistants.get_subgraphs(await system_assistant_id(client, "nested"))
    assert list(subgraphs) == ["team"]


async def test_a_subgraph_nodes_custom_items_need_stream_subgraphs(stack: Stack) -> None:
    """Without `stream_subgraphs`, LangGraph streams none of a subgraph's parts, custom items included."""
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(
        client.runs.stream(thread["thread_id"], "nested", input={"topic": "tides"}, stream_mode=["updates", "custom"])
    )
    assert [(p.event, list(p.data)) for p in parts[1:]] == [("updates", ["plan"]), ("updates", ["team"])]


async def test_custom_items_only_when_the_custom_mode_was_asked_for(stack: Stack) -> None:
    client = get_client(url=stack.url)
    parts = await _collect(client.runs.stream(None, "writer", input={"items": 2}, stream_mode=["values"]))
    assert [p.event for p in parts] == ["metadata", "values", "values"]


async def test_events_mode_with_model_events_from_the_activity(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    parts = await _collect(
        client.runs.stream(thread["thread_id"], "agent", input=GUIDE_INPUT, stream_mode=["events", "values"])
    )
    run_events = [p.data for p in parts if p.event == "events"]
    # As on the official server: the root run is the run itself, named after its graph, with no
    # tag of this server's own.
    run_id = next(p.data["run_id"] for p in parts if p.event == "metadata")
    assert run_events[0]["run_id"] == run_id and run_events[0]["name"] == "agent"
    assert not [t for e in run_events for t in e.get("tags") or [] if t.startswith("agent-server:")]
    events = [(e["event"], e["name"]) for e in run_events[1:-1]]  # the root run's start and end aside
    node_starts = [name for kind, name in events if kind == "on_chain_start" and name in ("agent", "tools")]
    assert node_starts == ["agent", "tools", "agent"]
    # Each model call, made inside the agent node's activity, shows inside that node's events.
    for start in [i for i, e in enumerate(events) if e == ("on_chain_start", "agent")]:
        end = events.index(("on_chain_end", "agent"), start)
        kinds = [kind for kind, _name in events[start:end]]
        assert kinds.index("on_chat_model_start") < kinds.index("on_chat_model_stream") < kinds.index("on_chat_model_end")
    # The tool, run inside the tools node's activity, shows inside that node's events.
    tools_start, tools_end = events.index(("on_chain_start", "tools")), events.index(("on_chain_end", "tools"))
    assert ("on_tool_start", "get_weather") in events[tools_start:tools_end]
    assert ("on_tool_end", "get_weather") in events[tools_start:tools_end]
    tool_end = next(p.data for p in parts if p.event == "events" and p.data["event"] == "on_tool_end")
    assert tool_end["data"]["output"]["content"] == "It's 60 degrees and foggy."
    streamed = [p.data["data"]["chunk"]["content"] for p in parts if p.event == "events" and p.data["event"] == "on_chat_model_stream"]
    assert "".join(streamed) == "The weather in sf: It's 60 degrees and foggy."
    values = [p.data for p in parts if p.event == "values"]
    assert len(values) == 4 and [m["type"] for m in values[-1]["messages"]] == ["human", "ai", "tool", "ai"]
