"""Chat UIs in a real browser (issue 15): a page on `useStream` from `@langchain/react` (Agent
Protocol v2) and one on `useStream` from `@langchain/langgraph-sdk/react` (the classic runs stream,
as agent-chat-ui), driven in headless Chromium (Debian's `chromium`) by playwright-core.

The page (tests/e2e/browser/app.jsx) is bundled with esbuild from the npm registry's packages at
test setup; drive.mjs is what a user does: ask the bundled agent, see the answer come in word by
word, reload while an answer streams and see the conversation resume, approve a human-in-the-loop
interrupt. Screenshots land in the test's tmp folder (their paths are printed).
"""

from __future__ import annotations

import fcntl
import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Stack, start_stack

pytestmark = pytest.mark.timeout(300)

BROWSER_DIR = Path(__file__).resolve().parent / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
# The offline model waits this long between words, so an answer takes a couple of seconds: long
# enough to watch it grow and to reload the page in the middle of it.
WORD_DELAY_MS = "250"


def _ensure_chromium() -> None:
    """Debian's Chromium, installed here if it is missing (CI machines start without it)."""
    if CHROMIUM.exists():
        return
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.fail(f"the browser tests need Chromium at {CHROMIUM}: `apt-get install chromium` (as root)")
    done = subprocess.run(
        [apt, "install", "-y", "-q", "chromium"], capture_output=True, text=True, timeout=900,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )
    if done.returncode != 0 or not CHROMIUM.exists():
        pytest.fail(f"apt-get install chromium failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def _installed(package: str) -> str | None:
    try:
        return str(json.loads((BROWSER_DIR / "node_modules" / package / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the page's requests are not the test's output
        pass


@pytest.fixture(scope="module")
def chat_page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled page, served over HTTP from a folder of its own; yields its URL."""
    _ensure_chromium()
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("node and npm are required for the browser tests")
    pinned = json.loads((BROWSER_DIR / "package.json").read_text())["dependencies"]
    with open(BROWSER_DIR / "package.json", "rb") as lock:  # concurrent pytest runs share node_modules
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(_installed(name) != version for name, version in pinned.items()):
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, capture_output=True, text=True, timeout=600)
            if done.returncode != 0:
                pytest.fail(f"npm install failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    site = tmp_path_factory.mktemp("chat-page")
    built = subprocess.run(
        [str(BROWSER_DIR / "node_modules" / ".bin" / "esbuild"), str(BROWSER_DIR / "app.jsx"), "--bundle", "--format=esm",
         "--jsx=automatic", "--define:process.env.NODE_ENV=\"production\"", f"--outfile={site / 'app.js'}", "--log-level=error"],
        cwd=BROWSER_DIR, capture_output=True, text=True, timeout=120,
    )
    assert built.returncode == 0, built.stderr
    (site / "index.html").write_text(
        '<!doctype html><html><head><meta charset="utf-8"><title>chat</title></head>'
        '<body><div id="root"></div><script type="module" src="app.js"></script></body></html>'
    )
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def paced_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(env, tmp_path_factory.mktemp("browser-stack"), extra_env={"OFFLINE_MODEL_WORD_DELAY_MS": WORD_DELAY_MS})
    yield stack
    stack.stop()


def _drive(page: str, api: str, shots: Path, hook: str) -> dict[str, Any]:
    shots.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["node", str(BROWSER_DIR / "drive.mjs"), page, api, str(shots), hook],
        cwd=BROWSER_DIR, capture_output=True, text=True, timeout=240, env={**os.environ, "CHROMIUM": str(CHROMIUM)},
    )
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output (exit {done.returncode}); stderr:\n{done.stderr}"
    observed: dict[str, Any] = json.loads(lines[-1])
    print(f"{hook} screenshots: {observed.get('screenshots')}")
    for step in ("first", "before_reload", "after_reload"):
        print(f"{hook} {step}: the answer as the page showed it: {observed.get(step, {}).get('texts')}")
    assert "error" not in observed, f"{observed['error']}\nobserved: {json.dumps(observed, indent=1)[:4000]}"
    return observed


def _grew_word_by_word(texts: list[str], answer: str) -> bool:
    """The answer was seen at several lengths, each a prefix of the next, before it was whole."""
    mine = [t for t in texts if answer.startswith(t)]
    return len(mine) >= 3 and mine[-1] == answer and all(b.startswith(a) for a, b in zip(mine, mine[1:], strict=False))


@pytest.mark.parametrize("hook", ["protocol", "classic"])
def test_a_chat_ui_streams_resumes_after_a_reload_and_approves_an_interrupt(
    hook: str, chat_page: str, paced_stack: Stack, tmp_path: Path
) -> None:
    o = _drive(chat_page, paced_stack.url, tmp_path / "screenshots", hook)
    sf = "The weather in sf: It's 60 degrees and foggy."
    paris = "The weather in paris: It's 90 degrees and sunny."

    assert _grew_word_by_word(o["first"]["texts"], sf), o["first"]["texts"]
    assert [m["type"] for m in o["first"]["messages"]][:1] == ["human"]

    # The reload came while the second answer was partial; afterwards the whole conversation is
    # on the page again (from the server) and the answer completed.
    partial = [t for t in o["before_reload"]["texts"] if t.startswith("The weather in paris:")]
    assert partial and paris not in partial
    assert "thread=" in o["before_reload"]["url"] and o["after_reload"]["url"] == o["before_reload"]["url"]
    after = o["after_reload"]["messages"]
    assert [m["type"] for m in after if m["type"] in ("human", "ai")].count("human") == 2
    assert any(sf in m["text"] for m in after) and any(paris in m["text"] for m in after)
    assert paris in o["after_reload"]["texts"]

    # Human in the loop.
    assert json.loads(o["interrupt"]) == {"question": "publish this?", "draft": "draft about tides"}
    assert o["approved"]["values"]["published"] is True and o["approved"]["values"]["verdict"] == "yes"
    assert o["approved"]["interrupt_shown"] is False
    assert not [c for c in o["console"] if "Failed to load resource" not in c], o["console"]
