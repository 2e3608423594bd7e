"""Custom auth (issue 16) end to end with the official SDK: the project of
tests/differential/auth_project (`auth.path`: bearer tokens for alice and bob, an owner stamped on
what each creates and required on what each touches, deletes need the `delete` permission, only
alice makes assistants, the store scoped to the user). Each decision point of api/auth/ is reached
through the route a client uses; the same project is compared with the reference in
tests/differential/test_auth.py."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError, PermissionDeniedError

from tests.conftest import Stack, start_stack

pytestmark = pytest.mark.timeout(180)

AUTH_PROJECT = Path(__file__).resolve().parents[1] / "differential" / "auth_project"
ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}


@pytest.fixture(scope="module")
def auth_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    work = tmp_path_factory.mktemp("custom-auth")
    stack = start_stack(env, work, langgraph_config=AUTH_PROJECT / "langgraph.json")
    yield stack
    stack.stop()


def _client(stack: Stack, headers: dict[str, str]) -> Any:
    return get_client(url=stack.url, headers=headers)


async def test_tokens_are_accepted_and_refused_with_the_handlers_answer(auth_stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30) as http:
        missing = await http.post("/threads/search", json={})
        assert (missing.status_code, missing.json()) == (401, {"detail": "Missing bearer token"})
        wrong = await http.post("/threads/search", json={}, headers={"Authorization": "Bearer nope"})
        assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid token"})
        refused = await http.get("/threads/forbidden-path", headers=ALICE)
        assert (refused.status_code, refused.json()) == (403, {"detail": "Not on this path"})
        assert (await http.post("/threads/search", json={}, headers=ALICE)).status_code == 200
        # The meta routes are not authenticated; the spec describes the project's scheme (auth.openapi).
        assert (await http.get("/ok")).json() == {"ok": True}
        spec = (await http.get("/openapi.json")).json()
        assert spec["components"]["securitySchemes"] == {"bearer": {"type": "http", "scheme": "bearer"}}
        assert spec["security"] == [{"bearer": []}]


async def test_a_websocket_without_a_token_is_refused(auth_stack: Stack) -> None:
    import websockets

    url = auth_stack.url.replace("http://", "ws://") + f"/threads/{uuid.uuid4()}/stream/events"
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with websockets.connect(url):
            pass
    assert refused.value.response.status_code == 403
    async with websockets.connect(url, additional_headers=ALICE) as socket:
        await socket.send(json.dumps({"id": 1, "method": "subscription.subscribe", "params": {"channels": ["values"]}}))
        assert json.loads(await asyncio.wait_for(socket.recv(), 30))["id"] == 1


async def test_threads_are_their_owners_only(auth_stack: Stack) -> None:
    alice, bob = _client(auth_stack, ALICE), _client(auth_stack, BOB)
    tag = str(uuid.uuid4())
    thread = await alice.threads.create(metadata={"tag": tag})
    thread_id = thread["thread_id"]
    assert thread["metadata"] == {"tag": tag, "owner": "alice"}  # what the handler stamped is stored
    await bob.threads.create(metadata={"tag": tag})

    # Reads, searches and counts: bob sees only his own; alice's thread is missing to him.
    assert [t["metadata"]["owner"] for t in await alice.threads.search(metadata={"tag": tag})] == ["alice"]
    assert [t["metadata"]["owner"] for t in await bob.threads.search(metadata={"tag": tag})] == ["bob"]
    assert await alice.threads.count(metadata={"tag": tag}) == 1
    for denied in (
        bob.threads.get(thread_id),
        bob.threads.update(thread_id, metadata={"x": 1}),
        bob.threads.get_state(thread_id),
        bob.threads.get_history(thread_id),
        bob.threads.update_state(thread_id, {"who": "bob"}),
        bob.threads.copy(thread_id),
        bob.runs.create(thread_id, "whoami", input={}),
        bob.runs.list(thread_id),
    ):
        with pytest.raises(NotFoundError):
            await denied
    # A thread bob cannot take a run on is not created for him either, and the 404 is the official one.
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=BOB) as http:
        answer = await http.post(f"/threads/{thread_id}/runs", json={"assistant_id": "whoami", "input": {}})
        assert (answer.status_code, answer.json()) == (404, {"detail": "Thread or assistant not found."})
        assert (await http.get(f"/threads/{thread_id}/stream")).status_code == 404
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=BOB) as http:
        pruned = await http.post("/threads/prune", json={"thread_ids": [thread_id]})
        assert pruned.status_code == 403  # bob may not delete at all (the assertion of threads:delete)
        respond = {"id": 2, "method": "input.respond", "params": {"interrupt_id": "0" * 32, "response": "x"}}
        answer = (await http.post(f"/threads/{thread_id}/commands", json=respond)).json()
        assert (answer["error"], answer["message"]) == ("no_such_run", "No interrupted run is bound to this thread.")
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=ALICE) as http:
        bobs = (await bob.threads.create())["thread_id"]
        pruned = await http.post("/threads/prune", json={"thread_ids": [thread_id, bobs]})
        assert (pruned.status_code, pruned.json()) == (404, {"detail": "At least one thread not found or not authorized"})
        await bob.threads.get(bobs)  # nothing was pruned
    # Deleting needs the `delete` permission (the handler's assertion is the 403's detail).
    with pytest.raises(PermissionDeniedError, match="bob may not delete threads"):
        await bob.threads.delete(thread_id)
    await alice.threads.get(thread_id)
    copy = await alice.threads.copy(thread_id)
    assert copy["metadata"]["owner"] == "alice"
    await alice.threads.delete(copy["thread_id"])
    with pytest.raises(NotFoundError):
        await alice.threads.get(copy["thread_id"])


async def test_runs_of_a_thread_are_its_owners_and_the_graph_sees_the_caller(auth_stack: Stack, tmp_path: Path) -> None:
    alice, bob = _client(auth_stack, ALICE), _client(auth_stack, BOB)
    thread_id = (await alice.threads.create())["thread_id"]
    values = await alice.runs.wait(thread_id, "whoami", input={})
    # The user in the run's config: as an object and as a mapping, its id and permissions.
    assert values == {
        "who": "alice", "org": "acme", "user_id": "alice", "permissions": ["read", "write", "delete"], "built_for": None,
    }
    # A graph factory's ServerRuntime has the caller too; a run on a new thread stamps its owner.
    built = await bob.runs.wait(None, "factory_whoami", input={})
    assert (built["who"], built["built_for"]) == ("bob", "bob")
    [run] = await alice.runs.list(thread_id)
    assert run["kwargs"]["config"]["configurable"]["langgraph_auth_user_id"] == "alice"
    with pytest.raises(NotFoundError):
        await bob.runs.get(thread_id, run["run_id"])
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=BOB) as http:
        joined = await http.get(f"/threads/{thread_id}/runs/{run['run_id']}/join")
        assert (joined.status_code, joined.json()) == (404, {"detail": "Thread not found"})

    # A long run: bob cannot cancel it or read it; alice can.
    gate = tmp_path / "gate"
    waiting = await alice.runs.create(thread_id, "waiter", input={"gate": str(gate)})
    with pytest.raises(NotFoundError):
        await bob.runs.cancel(thread_id, waiting["run_id"])
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=BOB) as http:
        bulk = await http.post("/runs/cancel", json={"thread_id": thread_id, "run_ids": [waiting["run_id"]]})
        assert (bulk.status_code, bulk.json()) == (404, {"detail": "No runs found to cancel."})
        stream = await http.get(f"/threads/{thread_id}/runs/{waiting['run_id']}/stream")
        assert stream.status_code == 404
    gate.write_text("open")
    await alice.runs.join(thread_id, waiting["run_id"])
    # A thread stream resumed "inside" a run of another thread (alice's, on bob's own) is refused.
    own = (await bob.threads.create())["thread_id"]
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers={**BOB, "Last-Event-ID": f"{waiting['run_id']}:-1"}) as http:
        assert (await http.get(f"/threads/{own}/stream")).status_code == 422
    with pytest.raises(PermissionDeniedError):
        await bob.runs.delete(thread_id, waiting["run_id"])
    await alice.runs.delete(thread_id, waiting["run_id"])


async def test_the_thread_protocol_shows_a_thread_to_its_owner_only(auth_stack: Stack) -> None:
    alice = _client(auth_stack, ALICE)
    thread_id = (await alice.threads.create())["thread_id"]
    await alice.runs.wait(thread_id, "whoami", input={})

    async def events(headers: dict[str, str]) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=headers) as http:
            async with http.stream("POST", f"/threads/{thread_id}/stream/events", json={"channels": ["lifecycle"]}) as response:
                assert response.status_code == 200
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        seen.append(json.loads(line[5:]))
                        if seen[-1]["params"]["data"].get("event") == "completed":
                            break
        return seen

    assert [e["params"]["data"]["event"] for e in await events(ALICE)] == ["running", "completed"]
    assert await events(BOB) == []  # closed with nothing, as the official server's
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=30, headers=BOB) as http:
        command = {"id": 1, "method": "run.start", "params": {"assistant_id": "whoami", "input": {}}}
        answer = (await http.post(f"/threads/{thread_id}/commands", json=command)).json()
        assert (answer["type"], answer["error"]) == ("error", "no_such_run")


async def test_assistants_crons_and_the_store_follow_their_handlers(auth_stack: Stack) -> None:
    alice, bob = _client(auth_stack, ALICE), _client(auth_stack, BOB)
    with pytest.raises(PermissionDeniedError, match="Forbidden"):
        await bob.assistants.create("whoami", name="bob's")
    mine = await alice.assistants.create("whoami", name="alice's", metadata={"kind": "custom"})
    assert mine["metadata"] == {"kind": "custom", "owner": "alice"}
    assert [a["assistant_id"] for a in await alice.assistants.search(metadata={"kind": "custom"})] == [mine["assistant_id"]]
    assert await bob.assistants.search(metadata={"kind": "custom"}) == []
    for denied in (bob.assistants.get(mine["assistant_id"]), bob.assistants.get_graph(mine["assistant_id"])):
        with pytest.raises(NotFoundError):
            await denied
    with pytest.raises(NotFoundError, match="Thread or assistant not found"):
        await bob.runs.create(None, mine["assistant_id"], input={})

    thread_id = (await alice.threads.create())["thread_id"]
    cron = await alice.crons.create_for_thread(thread_id, "whoami", schedule="0 0 1 1 *", input={})
    assert [c["cron_id"] for c in await alice.crons.search(thread_id=thread_id)] == [cron["cron_id"]]
    assert await bob.crons.search() == []
    with pytest.raises(NotFoundError):
        await bob.crons.create_for_thread(thread_id, "whoami", schedule="0 0 1 1 *", input={})
    with pytest.raises(NotFoundError):
        await bob.crons.delete(cron["cron_id"])
    await alice.crons.delete(cron["cron_id"])

    # The store: each user's namespace is prefixed with their identity by the handler.
    await alice.store.put_item(["notes"], "k", {"text": "alice's"})
    assert (await alice.store.get_item(["notes"], "k"))["namespace"] == ["alice", "notes"]
    assert await bob.store.get_item(["notes"], "k") is None
    await bob.store.put_item(["notes"], "k", {"text": "bob's"})
    found = await alice.store.search_items(["notes"])
    assert [(i["namespace"], i["value"]) for i in found["items"]] == [(["alice", "notes"], {"text": "alice's"})]


async def test_a_crons_runs_act_as_the_user_who_made_it(auth_stack: Stack) -> None:
    from temporalio.client import Client

    from tests.helpers import assert_eventually

    alice = _client(auth_stack, ALICE)
    thread_id = (await alice.threads.create())["thread_id"]
    cron = await alice.crons.create_for_thread(thread_id, "whoami", schedule="0 0 1 1 *", input={})
    assert cron["user_id"] == "alice" and cron["metadata"] == {"owner": "alice"}
    temporal = await Client.connect(auth_stack.env["TEMPORAL_ADDRESS"])
    await temporal.get_schedule_handle(f"cron-{cron['cron_id']}").trigger()

    async def fired() -> None:
        runs = await alice.runs.list(thread_id)
        assert len(runs) == 1 and runs[0]["status"] == "success"

    await assert_eventually(fired)
    # As on the official server: the creator's identity, without their permissions.
    state = await alice.threads.get_state(thread_id)
    assert (state["values"]["who"], state["values"]["permissions"]) == ("alice", [])
    await alice.crons.delete(cron["cron_id"])


async def test_mcp_tools_are_the_callers_assistants_and_run_as_the_caller(auth_stack: Stack) -> None:
    alice = _client(auth_stack, ALICE)
    await alice.assistants.create("whoami", name="alice private")
    mcp_headers = {"accept": "application/json, text/event-stream"}

    async def rpc(headers: dict[str, str], method: str, params: dict[str, Any]) -> Any:
        async with httpx.AsyncClient(base_url=auth_stack.url, timeout=60, headers={**headers, **mcp_headers}) as http:
            answer = await http.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
            return answer.status_code, answer.json()

    assert (await rpc({}, "tools/list", {}))[0] == 401
    names = lambda listed: {t["name"] for t in listed[1]["result"]["tools"]}  # noqa: E731
    assert "alice_private" in names(await rpc(ALICE, "tools/list", {}))
    assert "alice_private" not in names(await rpc(BOB, "tools/list", {}))
    assert (await rpc(BOB, "tools/call", {"name": "alice_private", "arguments": {}}))[1]["error"]["message"] == "Unknown tool: alice_private"
    # (The graphs' own assistants are hidden by this project's owner filter, as on the official server.)
    assert "whoami" not in names(await rpc(BOB, "tools/list", {}))
    _, called = await rpc(ALICE, "tools/call", {"name": "alice_private", "arguments": {}})
    assert called["result"]["structuredContent"]["who"] == "alice"


async def test_a2a_honours_the_callers_access(auth_stack: Stack) -> None:
    alice = _client(auth_stack, ALICE)
    mine = await alice.assistants.create("whoami", name="alice a2a")
    body = {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": {
        "role": "user", "parts": [{"kind": "data", "data": {}}], "messageId": "m-1"}}}
    async with httpx.AsyncClient(base_url=auth_stack.url, timeout=60, headers={"accept": "application/json"}) as http:
        assert (await http.post(f"/a2a/{mine['assistant_id']}", json=body)).status_code == 401
        assert (await http.get(f"/a2a/{mine['assistant_id']}", headers=BOB)).status_code == 400  # not bob's to see
        refused = (await http.post(f"/a2a/{mine['assistant_id']}", json=body, headers=BOB)).json()
        assert refused["error"] == {"code": -32602, "message": f"Assistant '{mine['assistant_id']}' not found"}
        task = (await http.post(f"/a2a/{mine['assistant_id']}", json=body, headers=ALICE)).json()["result"]
        assert task["status"]["state"] == "completed"
        # Another user's task is missing to bob (its thread is not his to read).
        for method in ("tasks/get", "tasks/cancel"):
            got = await http.post(f"/a2a/{mine['assistant_id']}", headers=BOB, json={
                "jsonrpc": "2.0", "id": 2, "method": method, "params": {"id": task["id"]}})
            assert got.json()["error"] == {"code": -32001, "message": f"Task not found: {task['id']}"}
        listed = {"jsonrpc": "2.0", "id": 3, "method": "ListTasks", "params": {}}
        assert (await http.post(f"/a2a/{mine['assistant_id']}", headers=BOB, json=listed)).json()["result"]["tasks"] == []
        assert [t["id"] for t in (await http.post(f"/a2a/{mine['assistant_id']}", headers=ALICE, json=listed)).json()["result"]["tasks"]] == [task["id"]]
        thread = await alice.threads.get(task["contextId"])  # the task's thread is alice's
        assert thread["metadata"]["owner"] == "alice"
