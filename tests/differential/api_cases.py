"""The API differential cases: scripts of raw HTTP calls, run on both servers (see api_harness.py).

`CASES` maps a case name to its script. Scripted cases walk one behaviour (a run's life, a
failure, an interrupt and its resume, a cancel, history and forks, streams in each mode and their
joins); generated ones (`_invalid_*`, `_missing_*`) send each endpoint the invalid inputs its
request schema rules out and the ids it cannot find.
"""

from __future__ import annotations

import json
from typing import Any

from tests.differential.api_harness import Case, CaseFailed, Caller

NIL = "00000000-0000-4000-8000-000000000000"  # a well-formed id no server has
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__.removeprefix("case_")] = fn
    return fn


def _done(run: Any) -> bool:
    return isinstance(run, dict) and run.get("status") in ("success", "error", "interrupted", "timeout")


# --------------------------------------------------------------------------------------------
# Threads


@case
async def case_thread_create_get(c: Caller) -> None:
    created = await c.req("POST", "/threads", {"metadata": {"owner": "a"}})
    await c.req("GET", f"/threads/{created['thread_id']}")


@case
async def case_thread_create_with_id_and_if_exists(c: Caller) -> None:
    import uuid

    thread_id = str(uuid.uuid4())
    await c.req("POST", "/threads", {"thread_id": thread_id})
    await c.req("POST", "/threads", {"thread_id": thread_id})
    await c.req("POST", "/threads", {"thread_id": thread_id, "if_exists": "do_nothing"})


@case
async def case_thread_patch_delete(c: Caller) -> None:
    thread_id = await c.thread(metadata={"a": 1})
    await c.req("PATCH", f"/threads/{thread_id}", {"metadata": {"b": 2}})
    await c.req("DELETE", f"/threads/{thread_id}")
    await c.req("GET", f"/threads/{thread_id}")
    await c.req("DELETE", f"/threads/{thread_id}")


@case
async def case_thread_search_paginated(c: Caller) -> None:
    import uuid

    tag = str(uuid.uuid4())
    for i in range(3):
        await c.thread(metadata={"tag": tag, "i": i})
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "limit": 2})
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "limit": 2, "offset": 2})
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "limit": 3})
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "sort_by": "created_at", "sort_order": "asc"})
    await c.req("POST", "/threads/count", {"metadata": {"tag": tag}})
    await c.req("POST", "/threads/search", {"metadata": {"tag": tag}, "select": ["thread_id", "metadata"]})


@case
async def case_thread_copy(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, record=False)
    copied = await c.req("POST", f"/threads/{thread_id}/copy")
    await c.req("GET", f"/threads/{copied['thread_id']}/state")


# --------------------------------------------------------------------------------------------
# Runs: wait, background, join, list, get, delete


@case
async def case_run_wait_echo(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {"count": 5}})
    await c.req("GET", f"/threads/{thread_id}")
    await c.req("GET", f"/threads/{thread_id}/state")


@case
async def case_run_background_join(c: Caller) -> None:
    thread_id = await c.thread()
    run = await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "echo", "input": {}, "metadata": {"m": 1}})
    await c.req("GET", f"/threads/{thread_id}/runs/{run['run_id']}/join")
    await c.req("GET", f"/threads/{thread_id}/runs/{run['run_id']}")
    await c.req("GET", f"/threads/{thread_id}/runs")
    await c.req("DELETE", f"/threads/{thread_id}/runs/{run['run_id']}")
    await c.req("GET", f"/threads/{thread_id}/runs/{run['run_id']}")


@case
async def case_run_command_kwargs(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "asker", "input": {}}, record=False)
    run = await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "asker", "command": {"resume": "yes"}})
    await c.req("GET", f"/threads/{thread_id}/runs/{run['run_id']}/join")


@case
async def case_run_stateless_wait(c: Caller) -> None:
    await c.req("POST", "/runs/wait", {"assistant_id": "echo", "input": {}})


@case
async def case_run_stateless_stream(c: Caller) -> None:
    await c.stream("POST", "/runs/stream", {"assistant_id": "echo", "input": {}, "stream_mode": ["values", "updates"]})


@case
async def case_run_batch(c: Caller) -> None:
    await c.req("POST", "/runs/batch", [{"assistant_id": "echo", "input": {}}, {"assistant_id": "echo", "input": {"count": 1}}])


@case
async def case_run_context_mirrors_configurable(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req(
        "POST", f"/threads/{thread_id}/runs/wait",
        {"assistant_id": "ctx", "input": {}, "context": {"user": "ann", "level": 3}},
    )
    await c.req(
        "POST", f"/threads/{thread_id}/runs/wait",
        {"assistant_id": "ctx", "input": {}, "config": {"configurable": {"user": "bob", "extra": "x"}}},
    )


# --------------------------------------------------------------------------------------------
# Failures


@case
async def case_run_failure_everywhere(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "failing", "input": {}})
    await c.req("GET", f"/threads/{thread_id}")
    await c.req("GET", f"/threads/{thread_id}/state")
    runs = await c.req("GET", f"/threads/{thread_id}/runs")
    await c.req("GET", f"/threads/{thread_id}/runs/{runs[0]['run_id']}/join")


@case
async def case_run_failure_stream(c: Caller) -> None:
    thread_id = await c.thread()
    await c.stream("POST", f"/threads/{thread_id}/runs/stream", {"assistant_id": "failing", "input": {}, "stream_mode": "updates"})


# --------------------------------------------------------------------------------------------
# Interrupts and resume


@case
async def case_interrupt_and_resume(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "asker", "input": {}})
    await c.req("GET", f"/threads/{thread_id}")
    await c.req("GET", f"/threads/{thread_id}/state")
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "asker", "command": {"resume": "go"}})
    await c.req("GET", f"/threads/{thread_id}")


@case
async def case_interrupt_before_node(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}, "interrupt_before": ["second"]})
    await c.req("GET", f"/threads/{thread_id}/state")
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": None})


@case
async def case_interrupt_stream(c: Caller) -> None:
    thread_id = await c.thread()
    await c.stream("POST", f"/threads/{thread_id}/runs/stream", {"assistant_id": "asker", "input": {}, "stream_mode": ["values", "updates"]})


# --------------------------------------------------------------------------------------------
# State, history, forks


@case
async def case_state_history(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, record=False)
    await c.req("GET", f"/threads/{thread_id}/history")
    await c.req("POST", f"/threads/{thread_id}/history", {"limit": 2})
    await c.req("POST", f"/threads/{thread_id}/history", {})
    await c.req("GET", f"/threads/{thread_id}/history", params={"limit": 10})


@case
async def case_state_at_checkpoint(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, record=False)
    history = await c.req("POST", f"/threads/{thread_id}/history", {"limit": 10}, record=False)
    checkpoint_id = history[1]["checkpoint"]["checkpoint_id"]
    await c.req("GET", f"/threads/{thread_id}/state/{checkpoint_id}")
    await c.req("POST", f"/threads/{thread_id}/state/checkpoint", {"checkpoint": {"checkpoint_id": checkpoint_id}})
    await c.req("GET", f"/threads/{thread_id}/state/{NIL}")


@case
async def case_update_state_and_fork(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, record=False)
    await c.req("POST", f"/threads/{thread_id}/state", {"values": {"items": ["manual"]}, "as_node": "first"})
    await c.req("GET", f"/threads/{thread_id}/state")
    history = await c.req("POST", f"/threads/{thread_id}/history", {"limit": 10}, record=False)
    fork_from = history[-2]["checkpoint"]["checkpoint_id"]
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": None, "checkpoint_id": fork_from})
    await c.req("GET", f"/threads/{thread_id}/state")


@case
async def case_state_empty_thread(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("GET", f"/threads/{thread_id}/state")
    await c.req("POST", f"/threads/{thread_id}/history", {})
    await c.req("POST", f"/threads/{thread_id}/state", {"values": {"items": ["x"]}})


# --------------------------------------------------------------------------------------------
# Cancel and multitask strategies


async def _running_slow(c: Caller, thread_id: str) -> str:
    run = await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "slow", "input": {"seconds": 30}}, record=False)
    await c.until(f"/threads/{thread_id}/runs/{run['run_id']}", lambda r: r.get("status") == "running")
    return str(run["run_id"])


def _cancel_case(action: str) -> Case:
    async def cancel(c: Caller) -> None:
        thread_id = await c.thread()
        run_id = await _running_slow(c, thread_id)
        # The reference answers a waited cancel with {} or with the run's values, as its race goes:
        # only that it succeeds is compared.
        cancelled = await c.client.post(
            f"/threads/{thread_id}/runs/{run_id}/cancel", params={"action": action, "wait": "true"}
        )
        c.note("cancel status", cancelled.status_code)
        await c.req("GET", f"/threads/{thread_id}/runs/{run_id}")  # interrupted; rolled back: gone
        await c.until(f"/threads/{thread_id}", lambda t: t.get("status") != "busy")
        await c.req("GET", f"/threads/{thread_id}")

    return cancel


CASES["cancel_interrupt"] = _cancel_case("interrupt")
CASES["cancel_rollback"] = _cancel_case("rollback")


@case
async def case_cancel_finished_run(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, record=False)
    runs = await c.req("GET", f"/threads/{thread_id}/runs", record=False)
    await c.req("POST", f"/threads/{thread_id}/runs/{runs[0]['run_id']}/cancel")
    await c.req("POST", f"/threads/{thread_id}/runs/{NIL}/cancel")


@case
async def case_multitask_reject(c: Caller) -> None:
    thread_id = await c.thread()
    await _running_slow(c, thread_id)
    await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "slow", "input": {}, "multitask_strategy": "reject"})
    await c.req("POST", f"/threads/{thread_id}/runs/cancel", {"status": "all"}, record=False)


@case
async def case_multitask_interrupt(c: Caller) -> None:
    thread_id = await c.thread()
    first = await _running_slow(c, thread_id)
    second = await c.req(
        "POST", f"/threads/{thread_id}/runs", {"assistant_id": "echo", "input": {}, "multitask_strategy": "interrupt"}
    )
    await c.req("GET", f"/threads/{thread_id}/runs/{second['run_id']}/join")
    await c.until(f"/threads/{thread_id}/runs/{first}", _done)
    await c.req("GET", f"/threads/{thread_id}/runs/{first}")


@case
async def case_multitask_enqueue(c: Caller) -> None:
    thread_id = await c.thread()
    first = await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "slow", "input": {"seconds": 1}})
    second = await c.req(
        "POST", f"/threads/{thread_id}/runs", {"assistant_id": "echo", "input": {}, "multitask_strategy": "enqueue"}
    )
    await c.req("GET", f"/threads/{thread_id}/runs/{second['run_id']}/join")
    await c.req("GET", f"/threads/{thread_id}/runs/{first['run_id']}")


# --------------------------------------------------------------------------------------------
# Streams in each mode, and joins


for _mode in ("values", "updates", "debug", "tasks", "checkpoints", "custom", "messages-tuple", "events"):

    async def _stream_mode(c: Caller, mode: str = _mode) -> None:
        thread_id = await c.thread()
        await c.stream("POST", f"/threads/{thread_id}/runs/stream", {"assistant_id": "echo", "input": {}, "stream_mode": mode})

    CASES[f"stream_mode[{_mode}]"] = _stream_mode


@case
async def case_stream_join_background(c: Caller) -> None:
    """A join with `Last-Event-ID: -1` replays the run's stream from its start (`metadata` first).
    (Without it a join takes what comes next, which depends on when it joined: the reference starts
    runs about a second later than ours.)"""
    thread_id = await c.thread()
    body = {"assistant_id": "slow", "input": {"seconds": 1}, "stream_mode": ["values"], "stream_resumable": True}
    run = await c.req("POST", f"/threads/{thread_id}/runs", body)
    await c.req("GET", f"/threads/{thread_id}/runs/{run['run_id']}/join", record=False)
    await c.stream("GET", f"/threads/{thread_id}/runs/{run['run_id']}/stream", headers={"Last-Event-ID": "-1"})


@case
async def case_stream_join_before_start(c: Caller) -> None:
    """A join of a run that has not started yet (delayed) sees its whole stream, `metadata` first."""
    thread_id = await c.thread()
    body = {"assistant_id": "echo", "input": {}, "stream_mode": ["values"], "after_seconds": 2}
    run = await c.req("POST", f"/threads/{thread_id}/runs", body, record=False)
    await c.stream("GET", f"/threads/{thread_id}/runs/{run['run_id']}/stream")


@case
async def case_stream_headers(c: Caller) -> None:
    thread_id = await c.thread()
    await c.stream("POST", f"/threads/{thread_id}/runs/stream", {"assistant_id": "echo", "input": {}})
    await c.stream("POST", "/runs/stream", {"assistant_id": "echo", "input": {}})


# --------------------------------------------------------------------------------------------
# Assistants


@case
async def case_assistant_crud(c: Caller) -> None:
    import uuid

    tag = str(uuid.uuid4())
    created = await c.req("POST", "/assistants", {"graph_id": "echo", "name": "mine", "metadata": {"tag": tag}, "config": {"tags": ["t"]}})
    assistant_id = created["assistant_id"]
    await c.req("GET", f"/assistants/{assistant_id}")
    await c.req("PATCH", f"/assistants/{assistant_id}", {"name": "renamed"})
    await c.req("POST", f"/assistants/{assistant_id}/versions", {})
    await c.req("POST", f"/assistants/{assistant_id}/latest", {"version": 1})
    await c.req("POST", "/assistants/search", {"metadata": {"tag": tag}})
    await c.req("POST", "/assistants/count", {"metadata": {"tag": tag}})
    await c.req("DELETE", f"/assistants/{assistant_id}")
    await c.req("GET", f"/assistants/{assistant_id}")


@case
async def case_assistant_system(c: Caller) -> None:
    assistant_id = await c.assistant_id("echo")
    await c.req("GET", f"/assistants/{assistant_id}")
    await c.req("GET", f"/assistants/{assistant_id}/graph")
    await c.req("GET", f"/assistants/{assistant_id}/subgraphs")
    await c.req("GET", "/assistants/echo")


@case
async def case_assistant_unknown_graph(c: Caller) -> None:
    await c.req("POST", "/assistants", {"graph_id": "nope"})


# --------------------------------------------------------------------------------------------
# Generated: ids nobody has, and ids that are not ids


_MISSING_THREAD_ROUTES = [
    ("GET", "/threads/{t}"), ("PATCH", "/threads/{t}"), ("DELETE", "/threads/{t}"),
    ("GET", "/threads/{t}/state"), ("POST", "/threads/{t}/state"), ("POST", "/threads/{t}/history"),
    ("GET", "/threads/{t}/history"), ("POST", "/threads/{t}/copy"), ("GET", "/threads/{t}/runs"),
    ("POST", "/threads/{t}/runs"), ("POST", "/threads/{t}/runs/wait"), ("POST", "/threads/{t}/runs/stream"),
    ("GET", "/threads/{t}/runs/{r}"), ("GET", "/threads/{t}/runs/{r}/join"), ("GET", "/threads/{t}/runs/{r}/stream"),
    ("POST", "/threads/{t}/runs/{r}/cancel"), ("DELETE", "/threads/{t}/runs/{r}"),
    ("GET", "/assistants/{t}"), ("PATCH", "/assistants/{t}"), ("DELETE", "/assistants/{t}"),
    ("GET", "/assistants/{t}/graph"), ("GET", "/assistants/{t}/schemas"), ("POST", "/assistants/{t}/versions"),
]
_BODIES = {
    "PATCH": {"metadata": {}},
    "POST": {"assistant_id": "echo", "input": {}},
}


def _route_case(method: str, template: str, thread: str, run: str) -> Case:
    async def run_route(c: Caller) -> None:
        path = template.format(t=thread, r=run)
        body = _BODIES.get(method) if method in ("POST", "PATCH") else None
        if path.endswith(("/state", "/history", "/versions")) and method == "POST":
            body = {"values": {}} if path.endswith("/state") else {}
        if path.endswith("/copy"):
            body = None
        if path.endswith("/stream") and method == "GET":
            await c.stream(method, path)
        else:
            await c.req(method, path, body)

    return run_route


for _method, _template in _MISSING_THREAD_ROUTES:
    CASES[f"missing[{_method} {_template}]"] = _route_case(_method, _template, NIL, NIL)
    CASES[f"not_uuid[{_method} {_template}]"] = _route_case(_method, _template, "not-a-uuid", "not-a-uuid")


async def _existing_thread_missing_run(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("GET", f"/threads/{thread_id}/runs/{NIL}")
    await c.req("GET", f"/threads/{thread_id}/runs/{NIL}/join")
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": NIL, "input": {}})
    await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "nope", "input": {}})


CASES["missing_run_on_existing_thread"] = _existing_thread_missing_run


# --------------------------------------------------------------------------------------------
# Generated: invalid run requests on each run-creating endpoint

_RUN_ENDPOINTS = {
    "thread_background": "/threads/{t}/runs",
    "thread_wait": "/threads/{t}/runs/wait",
    "thread_stream": "/threads/{t}/runs/stream",
    "stateless_background": "/runs",
    "stateless_wait": "/runs/wait",
    "stateless_stream": "/runs/stream",
}
_INVALID_RUN_FIELDS: dict[str, Any] = {
    "multitask_strategy": "bogus",
    "if_not_exists": "bogus",
    "on_disconnect": "bogus",
    "on_completion": "bogus",
    "stream_mode": "bogus",
    "stream_mode_list": ["values", "bogus"],
    "durability": "bogus",
    "assistant_id_int": 5,
    "config": "not an object",
    "metadata": "not an object",
    "interrupt_before": 5,
    "interrupt_after": {"a": 1},
    "stream_subgraphs": "often",
    "after_seconds": "later",
    "checkpoint_id_int": 5,
    "context": "text",
    "feedback_keys": "k",
}


def _invalid_run_case(template: str, field_name: str, value: Any) -> Case:
    async def run_invalid(c: Caller) -> None:
        path = template.format(t=await c.thread()) if "{t}" in template else template
        body: dict[str, Any] = {"assistant_id": "echo", "input": {}}
        key = field_name.removesuffix("_list").removesuffix("_int")
        body[key] = value
        if path.endswith("/stream"):
            await c.stream("POST", path, body)
        else:
            await c.req("POST", path, body)

    return run_invalid


for _endpoint, _template in _RUN_ENDPOINTS.items():
    for _field, _value in _INVALID_RUN_FIELDS.items():
        CASES[f"invalid_run[{_endpoint}.{_field}]"] = _invalid_run_case(_template, _field, _value)

    async def _no_assistant(c: Caller, template: str = _template) -> None:
        path = template.format(t=await c.thread()) if "{t}" in template else template
        await c.req("POST", path, {"input": {}})

    async def _not_json(c: Caller, template: str = _template) -> None:
        path = template.format(t=await c.thread()) if "{t}" in template else template
        await c.req("POST", path, raw="{not json")

    CASES[f"invalid_run[{_endpoint}.no_assistant]"] = _no_assistant
    CASES[f"invalid_run[{_endpoint}.not_json]"] = _not_json


# --------------------------------------------------------------------------------------------
# Generated: invalid requests on the other endpoints

_INVALID_OTHER: list[tuple[str, str, Any]] = [
    ("POST", "/threads", {"if_exists": "bogus"}),
    ("POST", "/threads", {"metadata": "x"}),
    ("POST", "/threads", {"thread_id": "not-a-uuid"}),
    ("POST", "/threads/search", {"status": "bogus"}),
    ("POST", "/threads/search", {"limit": "x"}),
    ("POST", "/threads/search", {"sort_by": "bogus"}),
    ("POST", "/threads/search", {"sort_order": "sideways"}),
    ("POST", "/threads/search", {"metadata": "x"}),
    ("POST", "/threads/count", {"status": "bogus"}),
    ("POST", "/assistants", {}),
    ("POST", "/assistants", {"graph_id": "echo", "if_exists": "bogus"}),
    ("POST", "/assistants", {"graph_id": "echo", "config": "x"}),
    ("POST", "/assistants/search", {"sort_by": "bogus"}),
    ("POST", "/assistants/search", {"limit": "x"}),
    ("POST", "/assistants/search", {"metadata": "x"}),
    ("POST", "/assistants/count", {"metadata": "x"}),
    ("POST", "/runs/batch", {"assistant_id": "echo"}),
    ("POST", "/runs/batch", [{"input": {}}]),
]

for _index, (_method, _path, _body) in enumerate(_INVALID_OTHER):

    async def _other(c: Caller, method: str = _method, path: str = _path, body: Any = _body) -> None:
        await c.req(method, path, body)

    CASES[f"invalid[{_method} {_path} #{_index}]"] = _other


async def _invalid_on_thread(c: Caller) -> None:
    thread_id = await c.thread()
    await c.req("POST", f"/threads/{thread_id}/history", {"limit": "x"})
    await c.req("POST", f"/threads/{thread_id}/state", {"values": {}, "as_node": "nope"})
    await c.req("PATCH", f"/threads/{thread_id}", {"metadata": "x"})
    await c.req("POST", f"/threads/{thread_id}/runs/cancel", {"status": "bogus"})
    await c.req("GET", f"/threads/{thread_id}/runs", params={"status": "bogus"})
    await c.req("GET", f"/threads/{thread_id}/runs", params={"limit": "x"})


CASES["invalid_on_thread"] = _invalid_on_thread


# --------------------------------------------------------------------------------------------
# The store (each case in a namespace of its own: cases run concurrently on one store)


def _root() -> str:
    import uuid

    return str(uuid.uuid4())


@case
async def case_store_item_life(c: Caller) -> None:
    ns = [_root(), "docs"]
    await c.req("PUT", "/store/items", {"namespace": ns, "key": "k", "value": {"text": "first", "n": 1}})
    await c.req("GET", "/store/items", params={"namespace": ".".join(ns), "key": "k"})
    await c.req("PUT", "/store/items", {"namespace": ns, "key": "k", "value": {"text": "second"}, "ttl": 60})
    replaced = await c.req("GET", "/store/items", params={"namespace": ".".join(ns), "key": "k"}, record=False)
    c.note("replaced value", replaced["value"])
    await c.req("GET", "/store/items", params={"namespace": ".".join(ns), "key": "missing"})
    await c.req("DELETE", "/store/items", {"namespace": ns, "key": "k"})
    await c.req("GET", "/store/items", params={"namespace": ".".join(ns), "key": "k"})
    await c.req("DELETE", "/store/items", {"namespace": ns, "key": "k"})


@case
async def case_store_search_and_namespaces(c: Caller) -> None:
    root = _root()
    for labels, key, value in [
        (["a"], "k1", {"topic": "cats", "n": 1}),
        (["a"], "k2", {"topic": "dogs", "n": 2}),
        (["b", "deep"], "k3", {"topic": "cats", "n": 3}),
    ]:
        await c.req("PUT", "/store/items", {"namespace": [root, *labels], "key": key, "value": value}, record=False)

    async def keys(body: dict[str, Any]) -> list[str]:
        found = await c.req("POST", "/store/items/search", body, record=False)
        c.note(f"search {sorted(k for k in body if k != 'namespace_prefix')}", sorted(i["key"] for i in found["items"]))
        return [i["key"] for i in found["items"]]

    await keys({"namespace_prefix": [root]})
    await keys({"namespace_prefix": [root], "filter": {"topic": "cats"}})
    await keys({"namespace_prefix": [root], "query": "cats"})  # no index: a listing, unranked
    await keys({"namespace_prefix": [root, "b"]})
    c.note("page sizes", [len(await keys({"namespace_prefix": [root], "limit": 2, "offset": o})) for o in (0, 2)])
    one = await c.req("POST", "/store/items/search", {"namespace_prefix": [root, "a"], "filter": {"n": 2}})
    del one
    await c.req("POST", "/store/namespaces", {"prefix": [root]})
    await c.req("POST", "/store/namespaces", {"prefix": [root], "max_depth": 2})
    await c.req("POST", "/store/namespaces", {"prefix": [root], "suffix": ["deep"]})
    await c.req("POST", "/store/namespaces", {"prefix": [root], "limit": 1, "offset": 1})


_INVALID_STORE: list[tuple[str, str, Any, dict[str, Any] | None]] = [
    ("PUT", "/store/items", {"namespace": ["a"], "key": "k"}, None),
    ("PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": [1]}, None),
    ("PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": {}, "ttl": "soon"}, None),
    ("PUT", "/store/items", {"namespace": ["a"], "key": "k", "value": {}, "index": "yes"}, None),
    ("PUT", "/store/items", {"namespace": [], "key": "k", "value": {}}, None),
    ("DELETE", "/store/items", {"namespace": ["a"]}, None),
    ("POST", "/store/items/search", {"namespace_prefix": ["a"], "limit": "x"}, None),
    ("POST", "/store/items/search", {"namespace_prefix": ["a"], "filter": "x"}, None),
    ("POST", "/store/namespaces", {"max_depth": "deep"}, None),
    ("GET", "/store/items", None, {"namespace": "a"}),
]

for _index, (_method, _path, _body, _params) in enumerate(_INVALID_STORE):

    async def _store_invalid(
        c: Caller, method: str = _method, path: str = _path, body: Any = _body, params: Any = _params
    ) -> None:
        await c.req(method, path, body, params=params)

    CASES[f"invalid_store[{_method} {_path} #{_index}]"] = _store_invalid


@case
async def case_store_namespace_labels(c: Caller) -> None:
    await c.req("PUT", "/store/items", {"namespace": ["a.b"], "key": "k", "value": {}})
    await c.req("GET", "/store/items", params={"namespace": "a..b", "key": "k"})
    await c.req("POST", "/store/namespaces", {"prefix": ["a.b"]})


# --------------------------------------------------------------------------------------------
# Webhooks the default policy refuses (the project sets none: loopback addresses are refused too)


@case
async def case_webhook_refused_by_the_policy(c: Caller) -> None:
    thread_id = await c.thread()
    for url in ("ftp://example.com/hook", "http://127.0.0.1:9/hook", "http://localhost:9/hook", "/relative/hook",
                "http://169.254.169.254/latest"):
        await c.req("POST", f"/threads/{thread_id}/runs", {"assistant_id": "echo", "input": {}, "webhook": url})
        await c.req("POST", "/runs/wait", {"assistant_id": "echo", "input": {}, "webhook": url})
    await c.req("GET", f"/threads/{thread_id}/runs")


# --------------------------------------------------------------------------------------------
# Crons (schedules that do not fire during a case: a weekly tick)


@case
async def case_cron_thread_life(c: Caller) -> None:
    thread_id = await c.thread()
    cron = await c.req("POST", f"/threads/{thread_id}/runs/crons", {
        "assistant_id": "echo", "schedule": "0 9 * * 1", "input": {"items": ["a"]}, "metadata": {"m": 1},
    })
    await c.req("POST", "/runs/crons/search", {"thread_id": thread_id})
    await c.req("POST", "/runs/crons/count", {"thread_id": thread_id})
    await c.req("PATCH", f"/runs/crons/{cron['cron_id']}", {"schedule": "0 10 * * 2", "enabled": False, "metadata": {"m": 2}})
    await c.req("POST", "/runs/crons/search", {"thread_id": thread_id, "select": ["cron_id", "schedule", "enabled"]})
    await c.req("PATCH", f"/runs/crons/{cron['cron_id']}", {"metadata": {"n": 3}})  # merged into the metadata
    await c.req("DELETE", f"/runs/crons/{cron['cron_id']}")
    await c.req("DELETE", f"/runs/crons/{cron['cron_id']}")
    await c.req("POST", "/runs/crons/count", {"thread_id": thread_id})


@case
async def case_cron_stateless_life(c: Caller) -> None:
    cron = await c.req("POST", "/runs/crons", {
        "assistant_id": "echo", "schedule": "0 9 * * 1", "input": {}, "timezone": "Europe/Paris",
        "end_time": "2030-01-01T00:00:00+00:00", "on_run_completed": "keep",
    })
    await c.req("PATCH", f"/runs/crons/{cron['cron_id']}", {"on_run_completed": "delete"})
    await c.req("DELETE", f"/runs/crons/{cron['cron_id']}")


@case
async def case_cron_refused(c: Caller) -> None:
    await c.req("POST", "/runs/crons", {"assistant_id": "echo", "schedule": "not a schedule"})
    await c.req("POST", f"/threads/{NIL}/runs/crons", {"assistant_id": "echo", "schedule": "0 9 * * 1"})
    await c.req("POST", "/runs/crons", {"assistant_id": NIL, "schedule": "0 9 * * 1"})
    await c.req("PATCH", f"/runs/crons/{NIL}", {"enabled": False})
    await c.req("DELETE", f"/runs/crons/{NIL}")
    await c.req("POST", "/runs/crons/search", {"assistant_id": "echo"})


# --------------------------------------------------------------------------------------------
# Agent Protocol v2 (the thread's event stream, `POST /threads/{id}/stream/events`)

V2_CHANNELS = ["values", "updates", "messages", "tools", "lifecycle", "input", "checkpoints", "tasks", "custom"]


def _v2_case(graph: str, question: str) -> Case:
    async def run(c: Caller) -> None:
        import uuid

        thread_id = str(uuid.uuid4())
        await c.command(thread_id, 1, "run.start", {"assistant_id": graph, "input": {"messages": [{"role": "user", "content": question}]}})
        await c.protocol_events(thread_id, {"channels": V2_CHANNELS})
        await c.protocol_events(thread_id, {"channels": ["tools", "lifecycle"]})

    return run


CASES["v2_tool_call"] = _v2_case("tooler", "what time is it?")
CASES["v2_tool_call_with_transformers"] = _v2_case("tooler_streams", "what time is it?")
CASES["v2_tool_error_with_transformers"] = _v2_case("tooler_streams", "use the broken clock")


@case
async def case_v2_interrupt_and_respond(c: Caller) -> None:
    import uuid

    thread_id = str(uuid.uuid4())
    await c.command(thread_id, 1, "run.start", {"assistant_id": "asker", "input": {"items": []}})
    asked = await c.protocol_events(thread_id, {"channels": V2_CHANNELS}, ends=("interrupted",))
    [request] = [e for e in asked if e["method"] == "input.requested"]
    interrupt_id = request["params"]["data"]["interrupt_id"]
    await c.command(thread_id, 2, "input.respond", {"bogus": True})
    await c.command(thread_id, 3, "input.respond", {"interrupt_id": "0" * 32, "response": "no"})
    await c.command(thread_id, 4, "input.respond", {"namespace": [], "interrupt_id": interrupt_id, "response": "go"})
    await c.protocol_events(thread_id, {"channels": V2_CHANNELS, "since": asked[-1]["seq"]})
    await c.req("GET", f"/threads/{thread_id}/state")


@case
async def case_v2_failed_run(c: Caller) -> None:
    import uuid

    thread_id = str(uuid.uuid4())
    await c.command(thread_id, 1, "run.start", {"assistant_id": "failing", "input": {"items": []}})
    await c.protocol_events(thread_id, {"channels": V2_CHANNELS})
    await c.command(thread_id, 2, "run.start", {"input": {}})
    await c.command(thread_id, 3, "agent.getTree", {})
    await c.command(thread_id, 4, "state.get", {})


# --------------------------------------------------------------------------------------------
# The project's own routes (`http.app`)


@case
async def case_custom_routes(c: Caller) -> None:
    await c.req("GET", "/custom/hello")
    await c.req("POST", "/custom/echo", {"a": [1, 2]})
    await c.req("POST", "/custom/echo", raw="not json")
    await c.req("GET", "/custom/nope")
    await c.req("GET", "/custom/hello", params={"x": "1"})


@case
async def case_configurable_headers(c: Caller) -> None:
    """`http.configurable_headers` (includes x-team-*, excludes x-team-secret): the run's configurable."""
    thread_id = await c.thread()
    headers = {"x-team-name": "blue", "x-team-secret": "s", "x-other": "no"}
    await c.req("POST", f"/threads/{thread_id}/runs/wait", {"assistant_id": "echo", "input": {}}, headers=headers, record=False)
    runs = await c.req("GET", f"/threads/{thread_id}/runs", record=False)
    seen = {k: v for k, v in runs[0]["kwargs"]["config"]["configurable"].items() if k.startswith("x-")}
    if seen != {"x-team-name": "blue"}:  # what the setting asks for, so an empty answer cannot pass
        raise CaseFailed(f"the run's configurable got {seen}")
    c.note("configurable", seen)


# --------------------------------------------------------------------------------------------
# MCP at /mcp (the transport and the tools; what a call answers is a deliberate difference: JSON)

MCP_HEADERS = {"accept": "application/json, text/event-stream"}


@case
async def case_mcp_transport(c: Caller) -> None:
    async def rpc(body: Any, headers: dict[str, str] | None = MCP_HEADERS, raw: str | None = None) -> Any:
        return await c.req("POST", "/mcp", body, headers=headers, raw=raw)

    for asked in ("2025-06-18", "1999-01-01"):  # (each server names its own version)
        body = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": asked, "capabilities": {}}}
        answer = await c.req("POST", "/mcp", body, headers=MCP_HEADERS, record=False)
        answer["result"]["serverInfo"].pop("version")
        c.note(f"initialize {asked}", answer)
    await rpc({"jsonrpc": "2.0", "method": "notifications/initialized"})
    await rpc({"jsonrpc": "2.0", "id": 2, "method": "ping"})
    await rpc({"jsonrpc": "2.0", "id": 3, "method": "resources/list"})
    await rpc({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {"name": "nope", "arguments": {}}})
    await rpc({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {}})
    await rpc({"jsonrpc": "2.0", "id": 6, "method": "tools/list", "params": {"cursor": "100"}})
    await rpc([{"jsonrpc": "2.0", "id": 7, "method": "ping"}])
    await rpc(None, raw="{not json")
    await rpc({"jsonrpc": "2.0", "id": 8, "method": "ping"}, headers={"accept": "text/plain"})
    await rpc({"id": 9, "method": "ping"})
    await rpc({"jsonrpc": "2.0"})
    await rpc({"jsonrpc": "2.0", "id": 10, "result": {}})
    await c.req("GET", "/mcp", headers=MCP_HEADERS)
    await c.req("DELETE", "/mcp")


@case
async def case_mcp_tools(c: Caller) -> None:
    listed = await c.req("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, headers=MCP_HEADERS, record=False)
    # Each graph's system assistant, created at start (their order is the servers' start order).
    c.note("tools", sorted(listed["result"]["tools"], key=lambda tool: tool["name"]))


# --------------------------------------------------------------------------------------------
# A2A at /a2a/{assistant_id} (a MessagesState graph: tooler)

A2A_JSON = {"accept": "application/json"}


@case
async def case_a2a_card_and_refusals(c: Caller) -> None:
    assistant_id = await c.assistant_id("tooler")
    card = await c.req("GET", "/.well-known/agent-card.json", params={"assistant_id": assistant_id}, headers=A2A_JSON, record=False)
    card.pop("version")  # each server's own, as its address
    c.note("card", json.loads(json.dumps(card).replace(str(c.client.base_url).rstrip("/"), "<base>")))
    await c.req("GET", "/.well-known/agent-card.json", headers=A2A_JSON)
    await c.req("GET", f"/a2a/{NIL}", headers=A2A_JSON)
    path = f"/a2a/{assistant_id}"

    async def rpc(body: Any, headers: dict[str, str] | None = A2A_JSON, raw: str | None = None) -> Any:
        return await c.req("POST", path, body, headers=headers, raw=raw)

    await rpc(None, raw="{not json")
    await rpc([1])
    await rpc({"id": 1, "method": "message/send"})
    await rpc({"jsonrpc": "2.0", "method": "tasks/get", "params": {"id": "x"}})
    await rpc({"jsonrpc": "2.0", "id": 2, "method": "foo/bar", "params": {}})
    await rpc({"jsonrpc": "2.0", "id": 3, "method": "tasks/list", "params": {}})
    await rpc({"jsonrpc": "2.0", "id": 4, "method": "message/send", "params": {}})
    await rpc({"jsonrpc": "2.0", "id": 5, "method": "tasks/get", "params": {"id": "x"}}, headers={"accept": "text/plain"})
    await rpc({"jsonrpc": "2.0", "id": 6, "method": "tasks/get", "params": {"id": "nope"}})
    await rpc({"jsonrpc": "2.0", "id": 7, "method": "tasks/get", "params": {}})
    await rpc({"jsonrpc": "2.0", "id": 8, "method": "tasks/cancel", "params": {"id": "nope"}})
    message = {"role": "user", "parts": [{"kind": "text", "text": "a", "data": {}}], "messageId": "m-b"}
    await rpc({"jsonrpc": "2.0", "id": 9, "method": "message/send", "params": {"message": message}})
    message = {"role": "user", "parts": [{"kind": "text", "text": "hi"}], "messageId": "m-c", "contextId": "my-own-context"}
    await rpc({"jsonrpc": "2.0", "id": 10, "method": "message/send", "params": {"message": message}})
    await rpc({"jsonrpc": "2.0", "id": 11, "method": "message/send", "params": {"message": {"role": "user", "parts": []}}})
    for i, params in enumerate(({"pageSize": 0}, {"pageToken": "abc"}, {"statusTimestampAfter": "bad"}, {"historyLength": 11},
                                {"contextId": "nope"}, {"contextId": NIL})):
        await rpc({"jsonrpc": "2.0", "id": 20 + i, "method": "ListTasks", "params": params})
    await c.req("POST", f"/a2a/{await c.assistant_id('echo')}", {"jsonrpc": "2.0", "id": 12, "method": "message/send", "params": {
        "message": {"role": "user", "parts": [{"kind": "text", "text": "hi"}], "messageId": "m-d"}}}, headers=A2A_JSON)


@case
async def case_a2a_send_and_get(c: Caller) -> None:
    path = f"/a2a/{await c.assistant_id('tooler')}"
    message = {"role": "user", "parts": [{"kind": "text", "text": "what time is it in Oslo?"}], "messageId": "m-1"}
    sent = await c.req("POST", path, {"jsonrpc": "2.0", "id": 1, "method": "message/send", "params": {"message": message}}, headers=A2A_JSON)
    task_id = sent["result"]["id"]
    await c.req("POST", path, {"jsonrpc": "2.0", "id": 2, "method": "tasks/get", "params": {"id": task_id}}, headers=A2A_JSON)
    await c.req("POST", path, {"jsonrpc": "2.0", "id": 3, "method": "tasks/cancel", "params": {"id": task_id}}, headers=A2A_JSON)
