"""The background-runs guide (../shared/seed), step by step, with its curl commands.

Each step runs the real `curl` binary with the guide's flags, and the answers are asserted the way
test_guide.py does for the Python SDK. The error answers are checked with `--write-out`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(180)

AGENT_ASSISTANT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"  # uuid5 of "agent", as in the guide
GUIDE_INPUT = {"messages": [{"role": "user", "content": "what's the weather in sf"}]}
STATUS_MARK = "\n__HTTP_STATUS__:"


def curl(method: str, url: str, data: Any = None, *, timeout: float = 120) -> tuple[int, Any]:
    """One curl command as the guide writes it; returns (HTTP status, parsed JSON body)."""
    exe = shutil.which("curl")
    if exe is None:
        pytest.fail("curl is required for the curl e2e test")
    args = [exe, "--silent", "--show-error", "--request", method, "--url", url]
    if data is not None:
        payload = data if isinstance(data, str) else json.dumps(data)
        args += ["--header", "Content-Type: application/json", "--data", payload]
    args += ["--write-out", STATUS_MARK + "%{http_code}"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"curl {method} {url} exited {done.returncode}: {done.stderr}"
    body, _, status = done.stdout.rpartition(STATUS_MARK)
    try:
        parsed = json.loads(body)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"{method} {url} -> {status}, not JSON: {body!r}") from exc
    return int(status), parsed


def ok(method: str, url: str, data: Any = None) -> Any:
    status, body = curl(method, url, data)
    assert status == 200, f"{method} {url} -> {status}: {body}"
    return body


def test_background_run_guide_with_curl(sqlite_stack: Stack) -> None:
    url = sqlite_stack.url

    # Setup: create a thread.
    thread = ok("POST", f"{url}/threads", "{}")
    assert uuid.UUID(thread["thread_id"]).version == 7
    assert thread["status"] == "idle"
    assert thread["metadata"] == {}
    assert thread["values"] is None
    assert thread["created_at"].endswith("+00:00")
    thread_id = thread["thread_id"]

    # Check runs on the thread: none yet.
    assert ok("GET", f"{url}/threads/{thread_id}/runs") == []

    # Start a background run on the thread.
    run = ok("POST", f"{url}/threads/{thread_id}/runs", {"assistant_id": "agent", "input": GUIDE_INPUT})
    assert uuid.UUID(run["run_id"]).version == 7
    assert run["assistant_id"] == AGENT_ASSISTANT_ID
    assert run["thread_id"] == thread_id
    assert run["multitask_strategy"] == "enqueue"
    assert run["kwargs"]["input"] == GUIDE_INPUT
    assert run["kwargs"]["stream_mode"] == ["values"]
    assert run["kwargs"]["config"]["configurable"] == {
        "run_id": run["run_id"],
        "thread_id": thread_id,
        "graph_id": "agent",
        "assistant_id": AGENT_ASSISTANT_ID,
        "user_id": "",
        "langgraph_auth_user": None,
        "langgraph_auth_user_id": "",
        "langgraph_auth_permissions": [],
    }
    run_id = run["run_id"]

    # The first poll: pending (or already running / done).
    polled = ok("GET", f"{url}/threads/{thread_id}/runs/{run_id}")
    assert polled["run_id"] == run_id
    assert polled["status"] in ("pending", "running", "success")

    # Join the run (waits server-side) && check its status again.
    joined = ok("GET", f"{url}/threads/{thread_id}/runs/{run_id}/join")
    assert [m["type"] for m in joined["messages"]] == ["human", "ai", "tool", "ai"]
    assert joined["messages"][1]["tool_calls"][0]["name"] == "get_weather"
    assert joined["messages"][2]["content"] == "It's 60 degrees and foggy."
    assert "60 degrees and foggy" in joined["messages"][3]["content"]

    finished = ok("GET", f"{url}/threads/{thread_id}/runs/{run_id}")
    assert finished["status"] == "success"
    assert finished["updated_at"] >= finished["created_at"]

    # The final state of the thread (the guide pipes it to jq for the last message).
    state = ok("GET", f"{url}/threads/{thread_id}/state")
    assert state["values"] == joined
    assert state["next"] == []
    assert state["checkpoint"]["thread_id"] == thread_id
    assert state["metadata"]["step"] >= 3
    assert "60 degrees and foggy" in state["values"]["messages"][-1]["content"]

    after = ok("GET", f"{url}/threads/{thread_id}")
    assert after["status"] == "idle"
    assert after["metadata"] == {"graph_id": "agent", "assistant_id": AGENT_ASSISTANT_ID}
    assert after["values"] == joined
    assert [r["run_id"] for r in ok("GET", f"{url}/threads/{thread_id}/runs")] == [run_id]


def test_error_answers_with_curl(sqlite_stack: Stack) -> None:
    url = sqlite_stack.url

    missing = str(uuid.uuid4())
    status, body = curl("GET", f"{url}/threads/{missing}")
    assert status == 404, body
    assert list(body) == ["detail"] and isinstance(body["detail"], str)
    assert missing in body["detail"]

    status, body = curl("GET", f"{url}/threads/not-a-uuid")
    assert status == 422, body
    assert list(body) == ["detail"] and isinstance(body["detail"], str)

    thread_id = ok("POST", f"{url}/threads", "{}")["thread_id"]

    status, body = curl("POST", f"{url}/threads/{thread_id}/runs", "{}")
    assert status == 422, body
    assert list(body) == ["detail"] and isinstance(body["detail"], str)
    assert "assistant_id" in body["detail"]

    status, body = curl("POST", f"{url}/threads/{thread_id}/runs", {"assistant_id": "nope", "input": GUIDE_INPUT})
    assert status == 422, body  # neither an assistant's UUID nor a graph id, as the official server answers
    assert list(body) == ["detail"] and isinstance(body["detail"], str)

    # None of the refused requests left a run behind.
    assert ok("GET", f"{url}/threads/{thread_id}/runs") == []
