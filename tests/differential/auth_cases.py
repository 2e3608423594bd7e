"""The custom-auth differential cases: raw HTTP as alice and bob (tests/differential/auth_project:
bearer tokens, owners stamped and required, deletes need a permission, only alice makes
assistants, the store scoped to the user), run on both servers by test_auth.py."""

from __future__ import annotations

import uuid

from tests.differential.api_harness import Case, Caller

ALICE = {"Authorization": "Bearer alice-token"}
BOB = {"Authorization": "Bearer bob-token"}
AUTH_CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    AUTH_CASES[fn.__name__.removeprefix("case_")] = fn
    return fn


@case
async def case_auth_tokens(c: Caller) -> None:
    await c.req("POST", "/threads/search", {})
    await c.req("POST", "/threads/search", {}, headers={"Authorization": "Bearer nope"})
    await c.req("POST", "/threads/search", {}, headers={"Authorization": "Basic alice-token"})
    await c.req("GET", "/threads/forbidden-path", headers=ALICE)
    # `/ok` is not authenticated (its body differs by server: the reference lists its services).
    ok = await c.client.get("/ok")
    c.note("ok without a token", ok.status_code)


@case
async def case_auth_owner_threads(c: Caller) -> None:
    tag = str(uuid.uuid4())
    created = await c.req("POST", "/threads", {"metadata": {"tag": tag}}, headers=ALICE)
    thread_id = created["thread_id"]
    await c.req("POST", "/threads", {"metadata": {"tag": tag}}, headers=BOB, record=False)
    await c.req("GET", f"/threads/{thread_id}", headers=ALICE)
    await c.req("GET", f"/threads/{thread_id}", headers=BOB)
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "select": ["metadata"]}, headers=ALICE)
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "select": ["metadata"]}, headers=BOB)
    await c.req("POST", "/threads/count", {"metadata": {"tag": tag}}, headers=BOB)
    await c.req("PATCH", f"/threads/{thread_id}", {"metadata": {"x": 1}}, headers=BOB)
    await c.req("PATCH", f"/threads/{thread_id}", {"metadata": {"x": 1}}, headers=ALICE)
    await c.req("GET", f"/threads/{thread_id}/state", headers=BOB)
    await c.req("POST", f"/threads/{thread_id}/history", {}, headers=BOB)
    await c.req("POST", f"/threads/{thread_id}/state", {"values": {"who": "bob"}}, headers=BOB)
    await c.req("POST", "/threads", {"thread_id": thread_id}, headers=BOB)
    await c.req("POST", "/threads", {"thread_id": thread_id, "if_exists": "do_nothing"}, headers=BOB)
    await c.req("DELETE", f"/threads/{thread_id}", headers=BOB)
    await c.req("DELETE", f"/threads/{thread_id}", headers=ALICE)
    await c.req("GET", f"/threads/{thread_id}", headers=ALICE)


@case
async def case_auth_runs(c: Caller) -> None:
    thread_id = (await c.req("POST", "/threads", {}, headers=ALICE, record=False))["thread_id"]
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "whoami", "input": {}}, headers=ALICE)
    runs = await c.req("GET", f"/threads/{thread_id}/runs", headers=ALICE, record=False)
    run_id = runs[0]["run_id"]
    configurable = runs[0]["kwargs"]["config"]["configurable"]
    c.note("auth keys", {k: configurable.get(k) for k in ("langgraph_auth_user_id", "langgraph_auth_permissions")})
    c.note("auth user", {k: (configurable.get("langgraph_auth_user") or {}).get(k) for k in ("identity", "org")})
    await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "whoami", "input": {}}, headers=BOB)
    await c.req("GET", f"/threads/{thread_id}/runs", headers=BOB)
    await c.req("GET", f"/threads/{thread_id}/runs/{run_id}", headers=BOB)
    await c.req("GET", f"/threads/{thread_id}/runs/{run_id}/join", headers=BOB)
    await c.req("POST", f"/threads/{thread_id}/runs/{run_id}/cancel", headers=BOB)
    await c.req("DELETE", f"/threads/{thread_id}/runs/{run_id}", headers=BOB)
    await c.req("GET", f"/threads/{thread_id}/runs/{run_id}", headers=ALICE, record=False)


@case
async def case_auth_stateless_factory(c: Caller) -> None:
    await c.req("POST", "/runs/wait", {"assistant_id": "factory_whoami", "input": {}}, headers=BOB)


@case
async def case_auth_assistants(c: Caller) -> None:
    await c.req("POST", "/assistants", {"graph_id": "whoami", "name": "bob's"}, headers=BOB)
    kind = str(uuid.uuid4())
    mine = await c.req("POST", "/assistants", {"graph_id": "whoami", "name": "alice's", "metadata": {"kind": kind}}, headers=ALICE)
    await c.req("POST", "/assistants/search", {"metadata": {"kind": kind}}, headers=ALICE)
    await c.req("POST", "/assistants/search", {"metadata": {"kind": kind}}, headers=BOB)
    await c.req("POST", "/assistants/count", {"metadata": {"kind": kind}}, headers=BOB)
    await c.req("GET", f"/assistants/{mine['assistant_id']}", headers=BOB)
    await c.req("PATCH", f"/assistants/{mine['assistant_id']}", {"metadata": {"x": 1}}, headers=BOB)
    await c.req("POST", "/runs/wait", {"assistant_id": mine["assistant_id"], "input": {}}, headers=BOB)
    await c.req("DELETE", f"/assistants/{mine['assistant_id']}", headers=BOB)
    await c.req("DELETE", f"/assistants/{mine['assistant_id']}", headers=ALICE)


@case
async def case_auth_store(c: Caller) -> None:
    space = str(uuid.uuid4())

    async def shown(label: str, method: str, path: str, body: object = None, **kwargs: object) -> None:
        """What the caller is shown (items' namespaces and values; the stores' timestamps differ)."""
        found = await c.req(method, path, body, record=False, **kwargs)  # type: ignore[arg-type]
        items = found.get("items", [found]) if isinstance(found, dict) else [found]
        c.note(label, [None if i is None else (i["namespace"], i["value"]) for i in items])

    await c.req("PUT", "/store/items", {"namespace": [space], "key": "k", "value": {"text": "alice's"}}, headers=ALICE)
    await shown("alice gets", "GET", "/store/items", params={"namespace": space, "key": "k"}, headers=ALICE)
    await shown("bob gets", "GET", "/store/items", params={"namespace": space, "key": "k"}, headers=BOB)
    await shown("alice searches", "POST", "/store/items/search", {"namespace_prefix": [space]}, headers=ALICE)
    await shown("bob searches", "POST", "/store/items/search", {"namespace_prefix": [space]}, headers=BOB)
    await c.req("DELETE", "/store/items", {"namespace": [space], "key": "k"}, headers=BOB)
    await shown("alice gets after bob's delete", "GET", "/store/items", params={"namespace": space, "key": "k"}, headers=ALICE)
    await c.req("POST", "/store/namespaces", {"prefix": ["alice"]}, headers=BOB, record=False)


@case
async def case_auth_crons(c: Caller) -> None:
    thread_id = (await c.req("POST", "/threads", {}, headers=ALICE, record=False))["thread_id"]
    body = {"assistant_id": "whoami", "schedule": "0 0 1 1 *", "input": {}}
    cron = await c.req("POST", f"/threads/{thread_id}/runs/crons", body, headers=ALICE)
    await c.req("POST", f"/threads/{thread_id}/runs/crons", body, headers=BOB)
    await c.req("POST", "/runs/crons/search", {"thread_id": thread_id}, headers=BOB)
    await c.req("POST", "/runs/crons/count", {"thread_id": thread_id}, headers=BOB)
    await c.req("POST", "/runs/crons/count", {"thread_id": thread_id}, headers=ALICE)
    await c.req("DELETE", f"/runs/crons/{cron['cron_id']}", headers=BOB)
    await c.req("DELETE", f"/runs/crons/{cron['cron_id']}", headers=ALICE)
