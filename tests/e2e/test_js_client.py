"""The background-runs guide (../shared/seed), step by step, with the official JS SDK.

`tests/e2e/js/background_run_guide.mjs` runs the guide with `@langchain/langgraph-sdk` under node
and prints one JSON object with what it observed; this module asserts on it the way
test_guide.py does for the Python SDK.
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
SCRIPT = JS_DIR / "background_run_guide.mjs"
AGENT_ASSISTANT_ID = "fe096781-5601-53d2-b2f6-0d3403f7e9ca"  # uuid5 of "agent", as in the guide
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


def run_script(js_dir: Path, url: str) -> dict[str, Any]:
    done = subprocess.run(
        ["node", str(SCRIPT), url], cwd=js_dir, capture_output=True, text=True, timeout=150
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
        "checkpoint_id": None,
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
