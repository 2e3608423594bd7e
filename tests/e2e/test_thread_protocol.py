"""Agent Protocol v2 (issue 15, first part): `POST /threads/{id}/commands` and the SSE event stream
`POST /threads/{id}/stream/events`, through the official Python SDK's `client.threads.stream` and
raw HTTP. Events come from the runs' durable streams: every connection, and a reconnect with
`since`, sees the same `seq` and `event_id` for the same event."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(90)

GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}
ALL = ["values", "updates", "messages", "tools", "lifecycle", "input", "checkpoints", "tasks", "custom"]


async def _events(url: str, thread_id: str, body: dict[str, Any], until_terminals: int = 1) -> list[dict[str, Any]]:
    """Raw SSE: the events up to the `until_terminals`-th root completed/failed lifecycle event."""
    seen: list[dict[str, Any]] = []
    terminals = 0
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        async with http.stream("POST", f"/threads/{thread_id}/stream/events", json=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                seen.append(event)
                data, namespace = event["params"]["data"], event["params"]["namespace"]
                if event["method"] == "lifecycle" and not namespace and data["event"] in ("completed", "failed"):
                    terminals += 1
                    if terminals == until_terminals:
                        return seen
    return seen


async def test_a_run_streams_its_lifecycle_values_and_token_deltas(stack: Stack) -> None:
    client = get_client(url=stack.url)
    async with client.threads.stream(assistant_id="agent") as thread:
        started = await thread.run.start(input=GUIDE_INPUT)
        output = await asyncio.wait_for(thread.output, 30)
        thread_id = thread.thread_id
    assert started["run_id"]
    assert [m["type"] for m in output["messages"]] == ["human", "ai", "tool", "ai"]

    events = await _events(stack.url, thread_id, {"channels": ALL})
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len({e["event_id"] for e in events}) == len(events)
    root = [e["params"]["data"]["event"] for e in events if e["method"] == "lifecycle" and not e["params"]["namespace"]]
    assert root == ["running", "completed"]
    assert events[0]["event_id"] == f"synth:{started['run_id']}:lc||running"
    # The answer's text deltas add up to the final AI message.
    last_ai = output["messages"][-1]
    deltas, current = [], None
    for e in events:
        data = e["params"]["data"]
        if e["method"] == "messages" and data["event"] == "message-start":
            current = data["id"]
        if e["method"] == "messages" and data["event"] == "content-block-delta" and current == last_ai["id"]:
            deltas.append(data["delta"]["text"])
    # A protocol run's model returns a v1 message (content blocks), as under the official server.
    assert last_ai["response_metadata"] == {"output_version": "v1"}
    assert len(deltas) > 1 and "".join(deltas) == "".join(b["text"] for b in last_ai["content"] if b["type"] == "text")
    assert events[-2]["method"] == "values" and "__interrupt__" not in events[-2]["params"]["data"]


async def test_an_interrupt_is_requested_and_answered(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread_id = str(uuid.uuid4())
    async with client.threads.stream(thread_id, assistant_id="hitl") as thread:
        await thread.run.start(input={"draft": "tides"})

        async def requested() -> list[dict[str, Any]]:
            while not thread.interrupts:
                await asyncio.sleep(0.05)
            return list(thread.interrupts)

        interrupts = await asyncio.wait_for(requested(), 30)
        assert interrupts[0]["value"] == {"question": "publish this?", "draft": "draft about tides"}  # the SDK reads `value`
        await thread.run.respond("yes")

    async def published() -> None:
        while (await client.threads.get_state(thread_id))["values"].get("published") is not True:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(published(), 30)
    events = await _events(stack.url, thread_id, {"channels": ["lifecycle", "input"]})
    kinds = [(e["method"], e["params"]["data"].get("event")) for e in events]
    assert kinds == [
        ("lifecycle", "running"), ("input.requested", None), ("lifecycle", "interrupted"),
        ("lifecycle", "running"), ("lifecycle", "completed"),
    ]
    asked = events[1]["params"]["data"]
    assert asked["payload"] == asked["value"] == {"question": "publish this?", "draft": "draft about tides"}
    # Filtered streams keep the thread's seq: the gaps are the events filtered out.
    assert [e["seq"] for e in events] == sorted(e["seq"] for e in events) and events[-1]["seq"] > len(events)


async def test_a_reconnect_with_since_gets_exactly_the_rest(stack: Stack) -> None:
    client = get_client(url=stack.url)
    async with client.threads.stream(assistant_id="agent") as thread:
        await thread.run.start(input=GUIDE_INPUT)
        await asyncio.wait_for(thread.output, 30)
        thread_id = thread.thread_id
    everything = await _events(stack.url, thread_id, {"channels": ALL})
    cut = len(everything) // 2
    rest = await _events(stack.url, thread_id, {"channels": ALL, "since": everything[cut - 1]["seq"]})
    assert [(e["seq"], e["event_id"]) for e in rest] == [(e["seq"], e["event_id"]) for e in everything[cut:]]
    only_tools = await _events(stack.url, thread_id, {"channels": ["tools", "lifecycle"]})
    assert {e["method"] for e in only_tools} == {"tools", "lifecycle"}
    assert {e["event_id"] for e in only_tools} <= {e["event_id"] for e in everything}


async def test_tool_calls_stream_on_the_tools_channel(stack: Stack) -> None:
    client = get_client(url=stack.url)
    async with client.threads.stream(assistant_id="agent") as thread:
        await thread.run.start(input=GUIDE_INPUT)
        output = await asyncio.wait_for(thread.output, 30)
        thread_id = thread.thread_id
    tool_message = output["messages"][2]
    events = await _events(stack.url, thread_id, {"channels": ALL})
    tools = [e["params"]["data"] for e in events if e["method"] == "tools"]
    call_id = tool_message["tool_call_id"]
    assert [t["event"] for t in tools] == ["tool-started", "tool-finished"]
    assert tools[0] == {"event": "tool-started", "tool_call_id": call_id, "tool_name": "get_weather", "input": {"city": "sf"}}
    assert tools[1]["output"]["content"] == tool_message["content"] and tools[1]["output"]["status"] == "success"
    # The result is mirrored as a `tool` message under the call's namespace, and not repeated at the root.
    mirrored = [e for e in events if e["method"] == "messages" and e["params"]["namespace"] == [f"tools:{call_id}"]]
    assert [m["params"]["data"]["event"] for m in mirrored] == [
        "message-start", "content-block-start", "content-block-delta", "content-block-finish", "message-finish",
    ]
    assert mirrored[0]["params"]["data"]["role"] == "tool" and mirrored[2]["params"]["data"]["content"]["text"] == tool_message["content"]
    root_roles = [e["params"]["data"]["role"] for e in events if e["method"] == "messages" and not e["params"]["namespace"] and e["params"]["data"]["event"] == "message-start"]
    assert root_roles == ["ai", "ai"]
    # A graph compiled without stream transformers has no updates channel (LangGraph's v3 rule).
    assert not [e for e in events if e["method"] == "updates"]


async def test_a_run_outside_the_protocol_cannot_ask_for_its_modes(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=30) as http:
        response = await http.post("/runs/stream", json={"assistant_id": "agent", "input": GUIDE_INPUT, "stream_mode": ["tools"]})
    assert response.status_code == 422
    assert response.json() == {"detail": "stream_mode entries ['tools'] are only supported on the v2 event streaming endpoints."}


async def test_commands_answer_with_the_protocol_envelopes(stack: Stack) -> None:
    thread_id = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=stack.url) as http:
        async def command(body: Any, raw: str | None = None) -> httpx.Response:
            if raw is not None:
                return await http.post(f"/threads/{thread_id}/commands", content=raw, headers={"content-type": "application/json"})
            return await http.post(f"/threads/{thread_id}/commands", json=body)

        unknown = await command({"id": 1, "method": "state.fork", "params": {}})
        assert (unknown.status_code, unknown.json()["type"], unknown.json()["error"]) == (200, "error", "unknown_command")
        assert unknown.json()["id"] == 1
        no_id = await command({"method": "run.start"})
        assert no_id.status_code == 400 and no_id.json()["id"] is None and no_id.json()["error"] == "invalid_argument"
        not_json = await command(None, raw="{nope")
        assert not_json.status_code == 400 and "detail" in not_json.json()
        no_assistant = await command({"id": 2, "method": "run.start", "params": {"input": {}}})
        assert no_assistant.json()["error"] == "invalid_argument"
        bogus = await command({"id": 3, "method": "input.respond", "params": {"interrupt_id": "nope", "response": 1}})
        assert bogus.json()["error"] == "no_such_interrupt"
        tree = await command({"id": 4, "method": "agent.getTree", "params": {}})
        assert tree.json()["error"] == "no_such_run"
        started = await command({"id": 5, "method": "run.start", "params": {"assistant_id": "gated", "input": {"label": "p"}}})
        assert started.json()["type"] == "success" and started.json()["id"] == 5 and started.json()["result"]["run_id"]
        assert started.json()["meta"] == {"applied_through_seq": 0}
        bad_channel = await http.post(f"/threads/{thread_id}/stream/events", json={"channels": ["bogus"]})
        assert bad_channel.status_code == 400 and "bogus" in bad_channel.json()["detail"]
        no_channels = await http.post(f"/threads/{thread_id}/stream/events", json={})
        assert no_channels.status_code == 400
    # run.start created the thread.
    assert (await get_client(url=stack.url).threads.get(thread_id))["thread_id"] == thread_id


async def test_a_subgraph_opens_and_closes_its_namespace(stack: Stack) -> None:
    client = get_client(url=stack.url)
    async with client.threads.stream(assistant_id="nested") as thread:
        await thread.run.start(input={"topic": "tides"})
        await asyncio.wait_for(thread.output, 30)
        thread_id = thread.thread_id
    events = await _events(stack.url, thread_id, {"channels": ["lifecycle", "custom", "updates"]})
    lifecycle = [(e["params"]["namespace"], e["params"]["data"]["event"]) for e in events if e["method"] == "lifecycle"]
    assert lifecycle[0] == ([], "running") and lifecycle[-1] == ([], "completed")
    (team_ns, started), (closed_ns, completed) = lifecycle[1], lifecycle[2]
    assert started == "started" and completed == "completed" and team_ns == closed_ns and team_ns[0].startswith("team:")
    start_event = next(e for e in events if e["method"] == "lifecycle" and e["params"]["data"]["event"] == "started")
    assert start_event["params"]["data"]["trigger_call_id"] == team_ns[0].split(":", 1)[1]
    # The subgraph's own events sit inside its namespace, between its start and its end.
    custom = [e for e in events if e["method"] == "custom"]
    assert custom and all(e["params"]["namespace"] == team_ns for e in custom)
    started_at = events.index(start_event)
    ended_at = next(i for i, e in enumerate(events) if e["method"] == "lifecycle" and e["params"]["data"]["event"] == "completed")
    assert all(started_at < events.index(e) < ended_at for e in custom)
    # A filter on the subgraph's namespace (by node name) keeps only what is inside it.
    inside = await _events_until_count(stack.url, thread_id, {"channels": ["custom"], "namespaces": [["team"]]}, len(custom))
    assert [e["event_id"] for e in inside] == [e["event_id"] for e in custom]


async def _events_until_count(url: str, thread_id: str, body: dict[str, Any], count: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        async with http.stream("POST", f"/threads/{thread_id}/stream/events", json=body) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    seen.append(json.loads(line[6:]))
                    if len(seen) == count:
                        return seen
    return seen


async def test_a_client_resumes_on_another_api_after_its_api_is_killed_mid_run(stack: Stack, tmp_path: Any) -> None:
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT, _wait_for
    from tests.helpers import free_port

    port = free_port()
    doomed = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "api", "--host", "127.0.0.1", "--port", str(port)],
        env=stack.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    doomed_url = f"http://127.0.0.1:{port}"
    try:
        await asyncio.to_thread(_wait_for, doomed_url, [doomed], tmp_path)
        thread_id = str(uuid.uuid4())
        gate = tmp_path / "gate"
        async with httpx.AsyncClient(base_url=doomed_url, timeout=60) as http:
            started = await http.post(f"/threads/{thread_id}/commands", json={
                "id": 1, "method": "run.start", "params": {"assistant_id": "gated", "input": {"label": "k", "gate": str(gate)}},
            })
            assert started.json()["type"] == "success"
            seen: list[dict[str, Any]] = []
            async with http.stream("POST", f"/threads/{thread_id}/stream/events", json={"channels": ALL}) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        seen.append(json.loads(line[6:]))
                        if any(e["method"] == "updates" and "first" in e["params"]["data"] for e in seen):
                            break  # the run is now waiting at its gate
        doomed.send_signal(signal.SIGKILL)  # kill -9 of the API the client was reading from
        doomed.wait(10)
        gate.touch()
        rest = await _events(stack.url, thread_id, {"channels": ALL, "since": seen[-1]["seq"]})
        full = await _events(stack.url, thread_id, {"channels": ALL})
        assert [e["event_id"] for e in seen + rest] == [e["event_id"] for e in full]
        assert [e["seq"] for e in seen + rest] == list(range(1, len(full) + 1))
        assert full[-1]["params"]["data"]["event"] == "completed"
    finally:
        if doomed.poll() is None:
            doomed.kill()
            doomed.wait(10)


async def test_the_python_sdk_over_a_websocket(stack: Stack) -> None:
    client = get_client(url=stack.url)
    async with client.threads.stream(assistant_id="agent", transport="websocket") as thread:
        await thread.run.start(input=GUIDE_INPUT)
        output = await asyncio.wait_for(thread.output, 30)
        thread_id = thread.thread_id
    assert [m["type"] for m in output["messages"]] == ["human", "ai", "tool", "ai"]
    # The socket carries the same tape as the SSE stream.
    import websockets

    url = stack.url.replace("http://", "ws://") + f"/threads/{thread_id}/stream/events"
    sse = await _events(stack.url, thread_id, {"channels": ["lifecycle", "messages"]})
    async with websockets.connect(url) as socket:
        await socket.send(json.dumps({"id": 7, "method": "subscription.subscribe", "params": {"channels": ["lifecycle", "messages"]}}))
        reply = json.loads(await socket.recv())
        assert reply["type"] == "success" and reply["id"] == 7 and reply["result"]["subscription_id"]
        frames = []
        while len(frames) < len(sse):
            frames.append(json.loads(await asyncio.wait_for(socket.recv(), 30)))
        assert [(f["seq"], f["event_id"]) for f in frames] == [(e["seq"], e["event_id"]) for e in sse]
        await socket.send(json.dumps({"id": 8, "method": "subscription.unsubscribe", "params": {"subscription_id": "nope"}}))
        assert json.loads(await socket.recv())["error"] == "no_such_subscription"
        await socket.send(json.dumps({"id": 9, "method": "bogus"}))
        assert json.loads(await socket.recv())["error"] == "unknown_command"


async def test_agent_get_tree_on_a_socket_shows_the_run_and_its_subgraph(stack: Stack) -> None:
    import websockets

    thread_id = str(uuid.uuid4())
    url = stack.url.replace("http://", "ws://") + f"/threads/{thread_id}/stream/events"
    async with websockets.connect(url) as socket:

        async def reply(command_id: int) -> dict[str, Any]:
            while True:  # events and replies share the socket
                frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
                if frame.get("type") != "event" and frame.get("id") == command_id:
                    return frame

        await socket.send(json.dumps({"id": 1, "method": "agent.getTree", "params": {}}))
        assert (await reply(1))["error"] == "no_such_run"  # nothing has run on the thread yet
        await socket.send(json.dumps({"id": 2, "method": "subscription.subscribe", "params": {"channels": ["lifecycle"]}}))
        await reply(2)
        await socket.send(json.dumps({"id": 3, "method": "run.start", "params": {"assistant_id": "nested", "input": {"topic": "tides"}}}))
        run_id = (await reply(3))["result"]["run_id"]
        while True:
            frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
            data = frame.get("params", {}).get("data", {})
            if frame.get("type") == "event" and not frame["params"]["namespace"] and data.get("event") == "completed":
                break
        await socket.send(json.dumps({"id": 4, "method": "agent.getTree", "params": {}}))
        tree = (await reply(4))["result"]["tree"]
        await socket.send(json.dumps({"id": 5, "method": "agent.getTree", "params": {"run_id": run_id}}))
        assert (await reply(5))["result"]["tree"] == tree
    assert (tree["namespace"], tree["status"], tree["graph_name"]) == ([], "completed", "nested")
    [team] = tree["children"]
    assert team["namespace"][0].startswith("team:") and team["status"] == "completed" and team["graph_name"] == "team"


async def test_a_late_subscription_on_a_socket_gets_the_run_replayed_and_a_reconnect_everything_after_since(stack: Stack) -> None:
    import websockets

    thread_id = str(uuid.uuid4())
    url = stack.url.replace("http://", "ws://") + f"/threads/{thread_id}/stream/events"
    async with websockets.connect(url) as socket:

        async def frames_until_reply(command_id: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
            events = []
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 30))
                if frame.get("type") == "event":
                    events.append(frame)
                elif frame.get("id") == command_id:
                    return frame, events

        async def events(count: int) -> list[dict[str, Any]]:
            return [json.loads(await asyncio.wait_for(socket.recv(), 30)) for _ in range(count)]

        # The run starts before anything is subscribed: nothing of it is lost.
        await socket.send(json.dumps({"id": 1, "method": "run.start", "params": {"assistant_id": "agent", "input": GUIDE_INPUT}}))
        run_id = (await frames_until_reply(1))[0]["result"]["run_id"]
        await get_client(url=stack.url).runs.join(thread_id, run_id)
        tape = await _events(stack.url, thread_id, {"channels": ["lifecycle", "values"]})
        await socket.send(json.dumps({"id": 2, "method": "subscription.subscribe", "params": {"channels": ["lifecycle", "values"]}}))
        reply, before = await frames_until_reply(2)
        # What the socket had read is replayed; what it reads later (its reading may lag the run, so
        # the split is not fixed: none of it may have been read yet) follows live: together, the
        # run's tape once, in order.
        assert before == [] and 0 <= reply["result"]["replayed_events"] <= len(tape)
        replayed = await events(len(tape))
        assert [(e["seq"], e["event_id"]) for e in replayed] == [(e["seq"], e["event_id"]) for e in tape]

        # A reconnect gets every event after `since`, from this socket's own reading of the tape.
        cut = tape[len(tape) // 2]["seq"]
        await socket.send(json.dumps({"id": 3, "method": "subscription.reconnect", "params": {"channels": ["messages", "lifecycle"], "since": cut}}))
        reply, _ = await frames_until_reply(3)
        wanted = [e for e in await _events(stack.url, thread_id, {"channels": ["messages", "lifecycle"], "since": cut})]
        # Lifecycle events after `cut` were sent for subscription 2 already; only the messages come again.
        only_new = [e for e in wanted if e["method"] == "messages"]
        assert reply["result"]["replayed_events"] == len(only_new) > 0
        assert [e["event_id"] for e in await events(len(only_new))] == [e["event_id"] for e in only_new]
        await socket.send(json.dumps({"id": 4, "method": "subscription.reconnect", "params": {"channels": ["values"]}}))
        assert (await frames_until_reply(4))[0]["error"] == "invalid_argument"


async def test_a_cancelled_run_ends_with_a_terminal_both_sdks_take_as_the_end(stack: Stack, tmp_path: Any) -> None:
    client = get_client(url=stack.url)
    thread_id = str(uuid.uuid4())
    async with client.threads.stream(thread_id, assistant_id="gated") as thread:
        started = await thread.run.start(input={"label": "c", "gate": str(tmp_path / "never")})
        while (await client.runs.get(thread_id, started["run_id"]))["status"] != "running":
            await asyncio.sleep(0.05)
        await client.runs.cancel(thread_id, started["run_id"])
        # The Python SDK ends a run on root completed/failed only; `interrupted` would leave this waiting.
        with pytest.raises(RuntimeError, match="cancelled"):
            await asyncio.wait_for(thread.output, 30)
    events = await _events(stack.url, thread_id, {"channels": ["lifecycle"]})
    assert [e["params"]["data"]["event"] for e in events] == ["running", "failed"]
    assert events[-1]["event_id"] == f"synth:{started['run_id']}:lc||failed"


@pytest.mark.parametrize("transport", ["sse", "websocket"])
def test_the_sync_python_sdk_streams_a_run_and_answers_an_interrupt(sqlite_stack: Stack, transport: str) -> None:
    from langgraph_sdk import get_sync_client

    client = get_sync_client(url=sqlite_stack.url)
    with client.threads.stream(assistant_id="agent", transport=transport) as thread:
        thread.run.start(input=GUIDE_INPUT)
        output = thread.output
    assert [m["type"] for m in output["messages"]] == ["human", "ai", "tool", "ai"]
    thread_id = str(uuid.uuid4())
    with client.threads.stream(thread_id, assistant_id="hitl", transport=transport) as thread:
        thread.run.start(input={"draft": "tides"})
        for _ in thread.values:  # ends at the interrupt
            pass
        assert thread.interrupts and thread.interrupts[0]["value"]["question"] == "publish this?"
        thread.run.respond("yes")
    import time

    deadline = time.monotonic() + 30
    while client.threads.get_state(thread_id)["values"].get("published") is not True:
        assert time.monotonic() < deadline, "the resumed run never published"
        time.sleep(0.05)


async def test_remote_graph_astream_events_v3(sqlite_stack: Stack) -> None:
    """LangGraph's RemoteGraph speaks the thread protocol with `astream_events(version="v3")`.
    (Its `run.messages` handles do not finish their `text` for a tool-call message, against the
    official server too, so the output is what is read here.)"""
    from langgraph.pregel.remote import RemoteGraph

    remote = RemoteGraph("agent", url=sqlite_stack.url)
    async with await remote.astream_events(GUIDE_INPUT, version="v3") as run:
        output = await asyncio.wait_for(run.output(), 30)
        assert not await run.interrupted()
    assert [m["type"] for m in output["messages"]] == ["human", "ai", "tool", "ai"]
    assert output["messages"][-1]["content"][0]["text"] == "The weather in sf: It's 60 degrees and foggy."
