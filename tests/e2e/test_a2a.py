"""A2A (issue 16): the bundled agent over JSON-RPC at /a2a/{assistant_id}, as an A2A client talks to
it: the agent card, `message/send` and a second turn on the same context, `tasks/get`,
`message/stream` read to its final event, the v1 method names, and the protocol's refusals. The
refusals and the card are compared with the reference in the API differential (`a2a_*` cases)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(120)
JSON = {"accept": "application/json"}


async def _agent(stack: Stack) -> str:
    [assistant] = await get_client(url=stack.url).assistants.search(graph_id="agent")
    return str(assistant["assistant_id"])


def _send(text: str, message_id: str, **message: Any) -> dict[str, Any]:
    return {"message": {"role": "user", "parts": [{"kind": "text", "text": text}], "messageId": message_id, **message}}


async def test_an_a2a_conversation_with_the_agent(sqlite_stack: Stack) -> None:
    assistant_id = await _agent(sqlite_stack)
    async with httpx.AsyncClient(base_url=sqlite_stack.url, timeout=60, headers=JSON) as http:
        card = (await http.get("/.well-known/agent-card.json", params={"assistant_id": assistant_id})).json()
        assert card["url"] == f"{sqlite_stack.url}/a2a/{assistant_id}" and card["capabilities"]["streaming"] is True
        assert card["skills"][0]["metadata"]["inputSchema"]["supportsA2A"] is True
        assert (await http.get(f"/a2a/{assistant_id}/.well-known/agent-card.json")).json() == card

        async def rpc(method: str, params: dict[str, Any]) -> Any:
            answer = await http.post(f"/a2a/{assistant_id}", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
            assert answer.status_code == 200
            return answer.json()

        first = (await rpc("message/send", _send("what is the weather in sf?", "m-1")))["result"]
        assert first["kind"] == "task" and first["status"]["state"] == "completed"
        [reply] = first["artifacts"][0]["parts"]
        assert reply["kind"] == "text" and "sf" in reply["text"]
        assert [m["role"] for m in first["history"]][0] == "user" and first["history"][0]["messageId"] == "m-1"
        context = first["contextId"]
        assert first["id"].startswith(context + ":")

        second = (await rpc("message/send", _send("and in Paris?", "m-2", contextId=context)))["result"]
        assert second["contextId"] == context and second["id"] != first["id"]
        assert [m["messageId"] for m in second["history"] if m["role"] == "user"] == ["m-1", "m-2"]
        assert {m["taskId"] for m in second["history"]} == {first["id"], second["id"]}

        got = (await rpc("tasks/get", {"id": first["id"]}))["result"]
        assert got["status"]["state"] == "completed" and [m["messageId"] for m in got["history"] if m["role"] == "user"] == ["m-1"]
        assert (await rpc("tasks/cancel", {"id": first["id"]}))["error"]["code"] == -32002
        assert (await rpc("message/send", _send("again", "m-3", contextId=context, taskId=first["id"])))["error"]["code"] == -32004
        assert (await rpc("tasks/get", {"id": "nope"}))["error"] == {"code": -32001, "message": "Task not found: nope"}

        v1 = (await rpc("SendMessage", {"message": {"role": "ROLE_USER", "parts": [{"text": "hi"}], "messageId": "m-v1"}}))["result"]
        assert v1["task"]["status"]["state"] == "TASK_STATE_COMPLETED"

        # ListTasks (v1 only): the context's tasks newest first, paged, in the v1 form.
        listed = (await rpc("ListTasks", {"contextId": context, "pageSize": 1}))["result"]
        assert (listed["totalSize"], listed["pageSize"], listed["nextPageToken"]) == (2, 1, "1")
        [newest] = listed["tasks"]
        assert newest["id"] == second["id"] and newest["status"]["state"] == "TASK_STATE_COMPLETED" and newest["artifacts"] == []
        assert [m["messageId"] for m in newest["history"] if m["role"] == "ROLE_USER"] == ["m-1", "m-2"]
        rest = (await rpc("ListTasks", {"contextId": context, "pageToken": "1", "historyLength": 0, "includeArtifacts": True}))["result"]
        assert [t["id"] for t in rest["tasks"]] == [first["id"]] and rest["nextPageToken"] == "" and "history" not in rest["tasks"][0]
        assert rest["tasks"][0]["artifacts"][0]["parts"] == first["artifacts"][0]["parts"]
        assert (await rpc("ListTasks", {"contextId": context, "status": "TASK_STATE_WORKING"}))["result"]["tasks"] == []
        assert (await rpc("ListTasks", {"pageSize": 0}))["error"]["message"] == "pageSize must be an integer between 1 and 100."
        assert (await rpc("tasks/list", {}))["error"]["code"] == -32601  # no spec alias, as on the official server

        # The stream: the submitted task, the reply growing, the artifact, the final status.
        events = []
        body = {"jsonrpc": "2.0", "id": "s", "method": "message/stream", "params": _send("what is the weather in sf?", "m-s")}
        async with http.stream("POST", f"/a2a/{assistant_id}", json=body, headers={"accept": "text/event-stream"}) as response:
            async for line in response.aiter_lines():
                if line.startswith("data:"):
                    events.append(json.loads(line[5:])["result"])
        kinds = [e.get("kind") for e in events]
        assert kinds[0] == "task" and events[0]["status"]["state"] == "submitted"
        assert kinds[-2:] == ["artifact-update", "status-update"] and events[-1]["final"] is True
        assert events[-1]["status"]["state"] == "completed"
        working = [e["status"]["message"]["parts"] for e in events if e.get("kind") == "status-update" and not e["final"]]
        assert working and "sf" in events[-2]["artifact"]["parts"][0]["text"]
