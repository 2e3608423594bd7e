"""The official JS SDK against the server: the background-runs guide, and the resource API.

Each script in `tests/e2e/js` runs `@langchain/langgraph-sdk` under node and prints one JSON object
with what it observed; this module asserts on it. `background_run_guide.mjs` is the guide
(../shared/seed) step by step, as test_guide.py does with the Python SDK; `resource_api.mjs` is
assistants, threads and runs, as test_assistants_api.py, test_threads_api.py and test_runs_api.py
do with the Python SDK; `streaming.mjs` is streamed runs and joined streams, as test_streaming.py
does with the Python SDK; `store_and_crons.mjs` is the store and crons, as test_store_api.py and
test_crons.py do; `thread_stream.mjs` is `client.threads.stream` (Agent Protocol v2) over SSE and
over a WebSocket, as test_thread_protocol.py does with the Python SDK.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(180)

JS_DIR = Path(__file__).resolve().parent / "js"
GUIDE_SCRIPT = JS_DIR / "background_run_guide.mjs"
RESOURCE_SCRIPT = JS_DIR / "resource_api.mjs"
STREAMING_SCRIPT = JS_DIR / "streaming.mjs"
AGENT_ASSISTANT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"  # uuid5 of "agent", as in the guide
GATED_ASSISTANT_ID = "7cd3ce85-6236-5295-944a-a857cdd33018"  # uuid5 of "gated", the same way
GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}


def _pinned_version() -> str:
    return str(json.loads((JS_DIR / "package.json").read_text())["dependencies"]["@langchain/langgraph-sdk"])


def _installed_version(sdk: Path) -> str | None:
    try:
        return str(json.loads((sdk / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


@pytest.fixture(scope="session")
def js_sdk() -> Path:
    """tests/e2e/js with its node_modules installed (npm install once, under a lock)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("node and npm are required for the JS SDK e2e test")
    sdk = JS_DIR / "node_modules" / "@langchain" / "langgraph-sdk"
    with open(JS_DIR / "package.json", "rb") as lock:  # concurrent pytest runs share node_modules
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _installed_version(sdk) != _pinned_version():
            done = subprocess.run(
                [npm, "install", "--no-audit", "--no-fund"],
                cwd=JS_DIR,
                capture_output=True,
                text=True,
                timeout=300,
            )
            if done.returncode != 0 or _installed_version(sdk) != _pinned_version():
                pytest.fail(f"npm install failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return JS_DIR


def run_script(js_dir: Path, url: str, script: Path = GUIDE_SCRIPT, *args: str) -> dict[str, Any]:
    """Runs `script` with node (arguments: the API URL, then `args`); what it printed, if it succeeded."""
    done = subprocess.run(
        ["node", str(script), url, *args], cwd=js_dir, capture_output=True, text=True, timeout=150
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output (exit {done.returncode}); stderr:\n{done.stderr}"
    observed: dict[str, Any] = json.loads(lines[-1])
    assert done.returncode == 0 and "error" not in observed, (
        f"script failed (exit {done.returncode}): {json.dumps(observed.get('error'), indent=2)}\n"
        f"observed keys: {sorted(observed)}\nstderr:\n{done.stderr}"
    )
    return observed


def test_background_run_guide_with_js_sdk(sqlite_stack: Stack, js_sdk: Path) -> None:
    o = run_script(js_sdk, sqlite_stack.url)
    thread, run = o["thread"], o["run"]

    assert uuid.UUID(thread["thread_id"]).version == 7
    assert thread["status"] == "idle"
    assert thread["metadata"] == {}
    assert thread["values"] is None
    assert thread["created_at"].endswith("+00:00")

    assert o["runs"] == []

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

    assert o["polled"]["run_id"] == run["run_id"]
    assert o["polled"]["status"] in ("pending", "running", "success")

    joined = o["joined"]
    assert [m["type"] for m in joined["messages"]] == ["human", "ai", "tool", "ai"]
    assert joined["messages"][0]["content"] == "what's the weather in sf"
    assert joined["messages"][1]["tool_calls"][0]["name"] == "get_weather"
    assert joined["messages"][2]["content"] == "It's 60 degrees and foggy."
    assert "60 degrees and foggy" in joined["messages"][3]["content"]

    finished = o["finished"]
    assert finished["run_id"] == run["run_id"]
    assert finished["status"] == "success"
    assert finished["updated_at"] >= finished["created_at"]

    state = o["state"]
    assert state["values"] == joined
    assert state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread["thread_id"]
    assert state["metadata"]["step"] >= 3

    after = o["after"]
    assert after["status"] == "idle"
    assert after["metadata"] == {"graph_id": "agent", "assistant_id": AGENT_ASSISTANT_ID}
    assert after["values"] == joined
    assert [r["run_id"] for r in o["runsAfter"]] == [run["run_id"]]

    missing = o["missingThread"]
    assert missing["rejected"] is True, missing
    assert missing["status"] == 404, missing
    detail = json.loads(missing["body"])["detail"]
    assert isinstance(detail, str) and o["missingThreadId"] in detail


def test_resource_api_with_js_sdk(sqlite_stack: Stack, js_sdk: Path, tmp_path: Path) -> None:
    o = run_script(js_sdk, sqlite_stack.url, RESOURCE_SCRIPT, str(tmp_path))
    tag = o["tag"]

    # Assistants: create, update (a new version, metadata merged), versions, set latest, search, count.
    a = o["assistants"]
    created = a["created"]
    assistant_id = created["assistant_id"]
    assert uuid.UUID(assistant_id)
    assert created["graph_id"] == "agent"
    assert created["version"] == 1
    assert created["name"] == "js-first"
    assert created["metadata"] == {"tag": tag, "team": "x"}
    assert a["fetched"] == created

    updated = a["updated"]
    assert updated["assistant_id"] == assistant_id
    assert updated["version"] == 2
    assert updated["metadata"] == {"tag": tag, "team": "y", "extra": True}  # merged into version 1's
    assert updated["name"] == "js-first"

    assert [v["version"] for v in a["versions"]] == [2, 1]  # newest first
    assert [v["metadata"] for v in a["versions"]] == [updated["metadata"], created["metadata"]]
    assert all(v["assistant_id"] == assistant_id for v in a["versions"])

    restored = a["restored"]
    assert restored["version"] == 1
    assert restored["metadata"] == {"tag": tag, "team": "x"}  # version 1 again, metadata too
    assert a["afterRestore"] == restored

    second = a["second"]
    assert second["assistant_id"] != assistant_id and second["version"] == 1
    assert [x["name"] for x in a["searched"]] == ["js-first", "js-second"]
    assert [x["assistant_id"] for x in a["searched"]] == [assistant_id, second["assistant_id"]]
    assert a["searched"][0]["version"] == 1
    assert [x["name"] for x in a["searchedLimit"]] == ["js-first"]
    assert [x["name"] for x in a["searchedPage"]["assistants"]] == ["js-first"]
    assert a["searchedPage"]["next"] == "1"  # X-Pagination-Next
    assert [x["assistant_id"] for x in a["searchedTeamX"]] == [assistant_id]
    assert a["searchedTeamY"] == []  # version 2's metadata is no longer the assistant's
    assert a["count"] == 2
    assert a["countTeamZ"] == 1
    assert a["countAgentGraph"] >= 3  # the default assistant and these two

    graph = a["graph"]
    assert [n["id"] for n in graph["nodes"]] == ["__start__", "agent", "tools", "__end__"]
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert {("__start__", "agent"), ("tools", "agent"), ("agent", "tools"), ("agent", "__end__")} <= edges
    assert {n["id"] for n in a["graphXray"]["nodes"]} >= {"agent", "tools"}
    schemas = a["schemas"]
    assert schemas["graph_id"] == "agent"
    for key in ("input_schema", "output_schema", "state_schema"):
        assert "messages" in schemas[key]["properties"], key
    assert set(a["gatedSchemas"]["state_schema"]["properties"]) == {"label", "log_file", "gate", "trace"}

    duplicate = a["duplicate"]
    assert duplicate["rejected"] is True, duplicate
    assert duplicate["status"] == 409, duplicate
    assert assistant_id in json.loads(duplicate["body"])["detail"]
    assert a["doNothing"] == restored  # ifExists "do_nothing": the existing one, unchanged

    # Threads: metadata, search and count, a run, history, state at a checkpoint, update, copy, delete.
    t = o["threads"]
    thread = t["created"]
    thread_id = thread["thread_id"]
    assert uuid.UUID(thread_id).version == 7
    assert thread["status"] == "idle" and thread["values"] is None
    assert thread["metadata"] == {"tag": tag, "n": 1}
    assert t["updated"]["thread_id"] == thread_id
    assert t["updated"]["metadata"] == {"tag": tag, "n": 2, "extra": True}  # merged
    other_id = t["other"]["thread_id"]
    assert [x["thread_id"] for x in t["searchedN2"]] == [thread_id]
    assert [x["thread_id"] for x in t["searched"]] == [thread_id, other_id]  # created_at ascending
    assert t["count"] == 2

    trace = ["js:first", "js:wait", "js:last"]
    assert t["result"] == {"label": "js", "trace": trace}
    run = t["run"]
    assert t["runCreated"] == {"run_id": run["run_id"], "thread_id": thread_id}  # from Content-Location
    assert run["status"] == "success" and run["assistant_id"] == GATED_ASSISTANT_ID
    after_run = t["afterRun"]
    assert after_run["status"] == "idle"
    assert after_run["values"] == t["result"]
    assert after_run["metadata"] == {
        "tag": tag, "n": 2, "extra": True, "graph_id": "gated", "assistant_id": GATED_ASSISTANT_ID
    }
    assert t["countByValues"] == 1

    history = t["history"]
    assert [h["metadata"]["step"] for h in history] == [3, 2, 1, 0, -1]  # newest first
    assert [h["metadata"]["source"] for h in history] == ["loop"] * 4 + ["input"]
    assert [h["next"] for h in history] == [[], ["last"], ["wait"], ["first"], ["__start__"]]
    assert [h["values"]["trace"] for h in history] == [trace, trace[:2], trace[:1], [], []]
    assert all(h["checkpoint"]["thread_id"] == thread_id for h in history)
    assert history[0]["metadata"]["run_id"] == run["run_id"]
    for newer, older in zip(history, history[1:]):
        assert newer["parent_checkpoint"]["checkpoint_id"] == older["checkpoint"]["checkpoint_id"]
    assert history[-1]["parent_checkpoint"] is None

    older = history[1]
    for key in ("stateAtId", "stateAtCheckpoint"):
        at = t[key]
        # Named as it was asked for (an id alone names no namespace), as the official server answers.
        asked = older["checkpoint"] if key == "stateAtCheckpoint" else {
            k: v for k, v in older["checkpoint"].items() if k != "checkpoint_ns"
        }
        assert at["checkpoint"] == asked, key
        assert at["values"] == {"label": "js", "trace": trace[:2]}, key
        assert at["next"] == ["last"], key
        assert at["metadata"]["step"] == 2, key

    checkpoint = t["stateUpdate"]["checkpoint"]
    assert checkpoint["thread_id"] == thread_id
    assert checkpoint["checkpoint_id"] not in {h["checkpoint"]["checkpoint_id"] for h in history}
    edited = t["stateAfterUpdate"]
    assert edited["checkpoint"]["checkpoint_id"] == checkpoint["checkpoint_id"]
    assert edited["values"] == {"label": "js", "trace": [*trace, "edited"]}
    assert edited["metadata"]["source"] == "update" and edited["metadata"]["step"] == 4
    assert edited["next"] == ["last"]  # as if `wait` had returned: `last` is due
    assert edited["parent_checkpoint"]["checkpoint_id"] == history[0]["checkpoint"]["checkpoint_id"]
    assert t["afterUpdate"]["values"] == edited["values"]
    assert t["afterUpdate"]["status"] == "interrupted"

    copy = t["copy"]
    assert copy["thread_id"] != thread_id and uuid.UUID(copy["thread_id"])
    assert copy["metadata"] == after_run["metadata"]
    # The copy answers as the official one: the new thread as created; reading it shows the copied state.
    assert "values" not in copy
    assert t["copyAfterDelete"]["values"] == edited["values"]
    original_ids = [h["checkpoint"]["checkpoint_id"] for h in t["historyOriginal"]]
    assert [h["checkpoint"]["checkpoint_id"] for h in t["historyCopy"]] == original_ids
    assert original_ids == [checkpoint["checkpoint_id"]] + [h["checkpoint"]["checkpoint_id"] for h in history]
    assert all(h["checkpoint"]["thread_id"] == copy["thread_id"] for h in t["historyCopy"])
    assert [h["values"] for h in t["historyCopy"]] == [h["values"] for h in t["historyOriginal"]]
    assert t["copyState"]["checkpoint"]["checkpoint_id"] == checkpoint["checkpoint_id"]
    assert t["copyState"]["values"] == edited["values"]

    assert t["deleted"] is None  # 204
    gone = t["getDeleted"]
    assert gone["rejected"] is True, gone
    assert gone["status"] == 404, gone
    assert thread_id in json.loads(gone["body"])["detail"]
    assert t["copyAfterDelete"]["thread_id"] == copy["thread_id"]  # the copy is its own thread

    # Runs: list (newest first), get, delete a finished run, cancel a blocked one, a stateless run.
    r = o["runs"]
    runs_thread = r["threadId"]
    first, second_run = r["first"], r["second"]
    for made, label in ((first, "r1"), (second_run, "r2")):
        assert made["thread_id"] == runs_thread
        assert made["status"] in ("pending", "running")
        assert made["kwargs"]["input"] == {"label": label}
    assert r["firstJoined"]["trace"] == ["r1:first", "r1:wait", "r1:last"]
    assert r["secondJoined"]["trace"] == ["r1:first", "r1:wait", "r1:last", "r2:first", "r2:wait", "r2:last"]
    assert [x["run_id"] for x in r["listed"]] == [second_run["run_id"], first["run_id"]]
    assert [x["status"] for x in r["listed"]] == ["success", "success"]
    assert [x["run_id"] for x in r["listedPage"]] == [first["run_id"]]
    assert r["listedErrors"] == []
    assert r["got"]["run_id"] == first["run_id"] and r["got"]["status"] == "success"
    assert r["got"]["updated_at"] >= r["got"]["created_at"]
    assert r["deleted"] is None  # 204
    deleted = r["getDeleted"]
    assert deleted["rejected"] is True, deleted
    assert deleted["status"] == 404, deleted
    assert json.loads(deleted["body"])["detail"] == "Not Found"  # the official answer, bare
    assert [x["run_id"] for x in r["listedAfterDelete"]] == [second_run["run_id"]]

    blocked = r["blocked"]
    assert blocked["thread_id"] == r["cancelThreadId"]
    assert r["loggedBeforeCancel"] == ["c:first", "c:wait-started"]
    assert r["blockedBeforeCancel"]["status"] == "running"
    assert r["cancelled"]["trace"] == ["c:first"]  # a waited cancel answers as the join does
    assert r["afterCancel"]["run_id"] == blocked["run_id"]
    assert r["afterCancel"]["status"] == "interrupted"
    # The blocked node was stopped (it never got past its gate); what `first` wrote is kept.
    logged = (tmp_path / "blocked.log").read_text().splitlines()
    assert logged[:2] == ["c:first", "c:wait-started"] and "c:wait-done" not in logged
    assert r["cancelledState"]["values"]["trace"] == ["c:first"]
    assert r["cancelledState"]["next"] == ["wait"]
    assert r["cancelledThread"]["status"] == "interrupted"  # its node never finished, as on the official server

    assert r["stateless"] == {"label": "stateless", "trace": ["stateless:first", "stateless:wait", "stateless:last"]}
    stateless = r["statelessCreated"]
    assert uuid.UUID(stateless["run_id"]).version == 7
    assert stateless["thread_id"] not in (runs_thread, r["cancelThreadId"])


def _events(parts: list[dict[str, Any]]) -> list[str]:
    return [p["event"] for p in parts]


def test_streaming_with_js_sdk(sqlite_stack: Stack, js_sdk: Path) -> None:
    o = run_script(js_sdk, sqlite_stack.url, STREAMING_SCRIPT)

    # The agent with stream modes ["values", "updates"]: the reference server's sequence.
    vu = o["valuesUpdates"]
    parts, thread_id = vu["parts"], vu["threadId"]
    assert _events(parts) == ["metadata", "values", "updates", "values", "updates", "values", "updates", "values"]
    run_id = parts[0]["data"]["run_id"]
    assert parts[0]["data"] == {"run_id": run_id, "attempt": 1}
    assert vu["runCreated"] == {"run_id": run_id, "thread_id": thread_id}  # from Content-Location
    assert [p["id"] for p in parts] == ["-1", *(str(i) for i in range(len(parts) - 1))]  # stream offsets
    assert vu["run"]["run_id"] == run_id and vu["run"]["status"] == "success"
    assert [m["type"] for m in parts[1]["data"]["messages"]] == ["human"]
    assert list(parts[2]["data"]) == ["agent"]
    assert parts[2]["data"]["agent"]["messages"][0]["tool_calls"][0]["name"] == "get_weather"
    assert list(parts[4]["data"]) == ["tools"]
    assert list(parts[6]["data"]) == ["agent"]
    final = parts[-1]["data"]
    assert [m["type"] for m in final["messages"]] == ["human", "ai", "tool", "ai"]
    assert final["messages"][-1]["content"] == "The weather in sf: It's 60 degrees and foggy."
    assert final == vu["state"]["values"]

    # The finished run joined again: from the start (Last-Event-ID -1) it is the same stream, event
    # for event; after an event id, the rest of it; with a stream mode, only those events.
    joined = o["join"]
    assert joined["replayed"] == parts
    assert joined["afterId"] == parts[3]["id"]
    assert joined["rest"] == parts[4:]
    assert joined["onlyValues"] == [p for p in parts if p["event"] in ("metadata", "values")]
    assert _events(joined["onlyValues"]) == ["metadata", "values", "values", "values", "values"]

    # messages-tuple: [message chunk, metadata] pairs, the answer token by token from the model.
    mt = o["messagesTuple"]
    parts = mt["parts"]
    assert parts[0]["event"] == "metadata"
    tuple_run_id = parts[0]["data"]["run_id"]
    assert len(parts) > 1 and set(_events(parts[1:])) == {"messages"}
    assert all(isinstance(p["data"], list) and len(p["data"]) == 2 for p in parts[1:])
    messages = [(p["data"][0], p["data"][1]) for p in parts[1:]]
    tool_results = [chunk for chunk, _meta in messages if chunk["type"] == "tool"]
    assert [c["content"] for c in tool_results] == ["It's 60 degrees and foggy."]
    assert tool_results[0]["name"] == "get_weather"
    ai = [(chunk, meta) for chunk, meta in messages if chunk["type"] == "AIMessageChunk"]
    calls = [c for c, _m in ai if c.get("tool_call_chunks")]
    assert calls and calls[0]["tool_call_chunks"][0]["name"] == "get_weather"
    answer = [c for c, _m in ai if c["content"]]
    assert len(answer) >= 5
    assert "".join(c["content"] for c in answer) == "The weather in sf: It's 60 degrees and foggy."
    assert len({c["id"] for c in answer}) == 1
    assert {m["langgraph_node"] for _c, m in ai} == {"agent"}
    assert {m["run_id"] for _c, m in ai} == {tuple_run_id}
    assert {m["thread_id"] for _c, m in ai} == {mt["threadId"]}
    assert mt["state"]["values"]["messages"][-1]["content"] == "The weather in sf: It's 60 degrees and foggy."

    # A stateless stream of the writer graph: custom events from inside its node, between values.
    custom = o["custom"]
    parts = custom["parts"]
    assert _events(parts) == ["metadata", "values", "custom", "custom", "custom", "custom", "values"]
    assert [p["data"] for p in parts if p["event"] == "custom"] == [{"progress": i} for i in range(4)]
    assert parts[-1]["data"] == {"items": 4, "written": [0, 1, 2, 3]}
    created = custom["runCreated"]
    assert created["run_id"] == parts[0]["data"]["run_id"]
    # A stateless run is named without its temporary thread (Content-Location /runs/<id>), as on the
    # official server, so the SDK's callback has no thread id.
    assert created.get("thread_id") is None

    # A failing run: the JS SDK yields the final `error` event as a stream part (iterating the
    # stream does not throw), as the Python SDK does; joining the failed run ends the same way.
    failing = o["failing"]
    error = {"error": "ValueError", "message": "boom: this node always fails"}
    assert failing["threw"] is None, failing["threw"]
    assert failing["parts"][0]["event"] == "metadata"
    assert failing["parts"][-1]["event"] == "error"
    assert failing["parts"][-1]["data"] == error
    assert "error" not in _events(failing["parts"][:-1])
    assert failing["run"]["status"] == "error"
    assert failing["joined"]["threw"] is None, failing["joined"]["threw"]
    assert [(p["event"], p["data"]) for p in failing["joined"]["parts"]] == [
        (p["event"], p["data"]) for p in failing["parts"]
    ]


STORE_AND_CRONS_SCRIPT = JS_DIR / "store_and_crons.mjs"


def test_store_and_crons_with_js_sdk(sqlite_stack: Stack, js_sdk: Path) -> None:
    o = run_script(js_sdk, sqlite_stack.url, STORE_AND_CRONS_SCRIPT)
    assert "error" not in o, o.get("error")
    item = o["item"]
    assert item["key"] == "k1" and item["value"] == {"topic": "cats"} and item["createdAt"] == item["created_at"]
    assert o["missing"] is None and o["deleted"] is None
    assert [i["key"] for i in o["searched"]["items"]] == ["k2"]
    assert sorted(o["namespaces"]["namespaces"]) == sorted([[item["namespace"][0], "a"], [item["namespace"][0], "b"]])

    cron = o["cron"]
    assert cron["thread_id"] == o["threadId"] and cron["schedule"] == "0 9 * * 1" and cron["enabled"] is True
    assert cron["metadata"] == {"via": "js"} and cron["next_run_date"]
    assert o["counted"] == 1 and o["counted_after"] == 0
    assert o["updated"]["schedule"] == "0 10 * * 2" and o["updated"]["enabled"] is False
    assert [c["cron_id"] for c in o["searched_crons"]] == [cron["cron_id"]]
    assert o["second_delete"]["rejected"] and o["second_delete"]["status"] == 404


THREAD_STREAM_SCRIPT = JS_DIR / "thread_stream.mjs"


@pytest.mark.parametrize("transport", ["sse", "websocket"])
def test_thread_stream_with_js_sdk(sqlite_stack: Stack, js_sdk: Path, transport: str) -> None:
    """`client.threads.stream` (Agent Protocol v2) as tests/e2e/test_thread_protocol.py does with the
    Python SDK; node 20 has its WebSocket behind `--experimental-websocket`."""
    done = subprocess.run(
        ["node", "--experimental-websocket", str(THREAD_STREAM_SCRIPT), sqlite_stack.url, transport],
        cwd=js_sdk, capture_output=True, text=True, timeout=150,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output (exit {done.returncode}); stderr:\n{done.stderr}"
    o = json.loads(lines[-1])
    assert done.returncode == 0 and "error" not in o, json.dumps(o.get("error"), indent=2)

    agent = o["agent"]
    messages = [m["kwargs"] for m in agent["output"]["messages"]]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
    answer = "".join(b["text"] for b in messages[3]["content"] if b["type"] == "text")
    assert answer == "The weather in sf: It's 60 degrees and foggy."
    # The answer streamed in deltas that add up to it; the tool call came over the tools channel.
    streamed = next(t for t in agent["texts"] if "".join(t["deltas"]) == answer)
    assert len(streamed["deltas"]) > 1 and streamed["namespace"] == []
    assert agent["tool_calls"] == [
        {"name": "get_weather", "callId": messages[2]["tool_call_id"], "input": {"city": "sf"}, "output": "It's 60 degrees and foggy."}
    ]
    root = [e["data"]["event"] for e in agent["events"] if e["method"] == "lifecycle" and not e["namespace"]]
    assert root[0] == "running" and root[-1] == "completed"

    hitl = o["hitl"]
    assert hitl["interrupt"]["payload"] == {"question": "publish this?", "draft": "draft about tides"}
    assert hitl["interrupt"]["namespace"] == []
    assert hitl["values"] == {"draft": "draft about tides", "verdict": "yes", "published": True}

    nested = o["nested"]
    [team] = nested["subgraphs"]
    assert team["name"] == "team" and team["namespace"][0].startswith("team:")
    lifecycle = [(e["namespace"], e["data"]["event"]) for e in nested["events"] if e["method"] == "lifecycle"]
    assert (team["namespace"], "started") in lifecycle and (team["namespace"], "completed") in lifecycle
