"""The reference server: the official `langgraph dev` (langgraph-api, in-memory) in its own venv.

`ensure_reference_venv()` builds /work/main/.venv-reference (gitignored) with the CLI, the API and
every package the corpus imports, at the versions of the corpus libraries installed in the test
interpreter, so both servers run the graphs on the same LangGraph/LangChain code. It is
idempotent: a marker file holds the requirement list it was built with and nothing is installed
again while it matches. Only PyPI is needed.

`reference_server(project_dir)` starts `langgraph dev` for one project on a free loopback port and
yields its URL.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
REFERENCE_VENV = Path(os.environ.get("REFERENCE_VENV", ROOT / ".venv-reference"))
SERVER_REQUIREMENTS = ["langgraph-cli[inmem]==0.4.40", "langgraph-api==0.16.7", "langgraph-sdk"]
# What the corpus imports (templates included). Pinned below to the versions the test interpreter has.
CORPUS_REQUIREMENTS = [
    "langgraph",
    "langgraph-prebuilt",
    "langchain-core",
    "langchain",
    "langchain-openai",
    "langchain-tavily",
    "deepagents",
    "langgraph-supervisor",
    "langgraph-swarm",
    "python-dotenv",
]
MARKER = ".corpus-requirements"
INSTALL_TIMEOUT_SECS = 1200
START_TIMEOUT_SECS = 90


def reference_requirements() -> list[str]:
    """The server packages plus the corpus's packages, pinned to the test interpreter's versions."""
    pinned = []
    for name in CORPUS_REQUIREMENTS:
        try:
            pinned.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pinned.append(name)
    return [*SERVER_REQUIREMENTS, *pinned]


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


def ensure_reference_venv(venv: Path = REFERENCE_VENV, requirements: Sequence[str] | None = None) -> Path:
    """The venv with `langgraph dev` and the corpus's deps; installs only when the requirements changed."""
    wanted = list(requirements) if requirements is not None else reference_requirements()
    text = "\n".join(wanted) + "\n"
    marker = venv / MARKER
    if marker.exists() and marker.read_text() == text and _bin(venv, "langgraph").exists():
        return venv
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.with_name(venv.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two sessions building it at once wait for each other
        if marker.exists() and marker.read_text() == text and _bin(venv, "langgraph").exists():
            return venv
        log = Path(tempfile.gettempdir()) / f"{venv.name}-install.log"
        with open(log, "w") as out:
            if not _bin(venv, "python").exists():
                base = getattr(sys, "_base_executable", sys.executable)
                subprocess.run([base, "-m", "venv", str(venv)], check=True, stdout=out, stderr=subprocess.STDOUT)
            pip = [str(_bin(venv, "python")), "-m", "pip", "install", "--disable-pip-version-check"]
            result = subprocess.run(
                [*pip, *wanted], stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_SECS
            )
            if result.returncode != 0:
                # The pins may not fit langgraph-api's own constraints: take what pip resolves.
                unpinned = [*SERVER_REQUIREMENTS, *CORPUS_REQUIREMENTS]
                out.write("\n--- pinned install failed; retrying unpinned\n")
                out.flush()
                result = subprocess.run(
                    [*pip, *unpinned], stdout=out, stderr=subprocess.STDOUT, timeout=INSTALL_TIMEOUT_SECS
                )
        if result.returncode != 0:
            raise RuntimeError(f"installing the reference venv failed; see {log}:\n{log.read_text()[-3000:]}")
        marker.write_text(text)
    return venv


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def reference_server(
    project_dir: Path,
    *,
    env: Mapping[str, str] | None = None,
    venv: Path = REFERENCE_VENV,
    log_dir: Path | None = None,
    base_env: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """`langgraph dev` for the project in `project_dir` (its cwd), on a free port; yields the URL.

    `env` is added to this process's environment (or to `base_env`, a snapshot of it): the fake
    OpenAI server's variables, PYTHONPATH for a project that would be pip-installed, ... The in-memory runtime writes `.langgraph_api/`
    into its cwd: it is removed before (so no state survives from an earlier session) and after.
    The server's output goes to a log file whose path is in every error.
    """
    project_dir = Path(project_dir).resolve()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="langgraph-dev-"))
    log_path = log_dir / f"reference-{project_dir.name}-{port}.log"
    state_dir = project_dir / ".langgraph_api"
    shutil.rmtree(state_dir, ignore_errors=True)
    process_env = {
        **(os.environ if base_env is None else base_env),
        **(env or {}),
        "LANGSMITH_TRACING": "false",
        "LANGCHAIN_TRACING_V2": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "true",
        "PYTHONUNBUFFERED": "1",
    }
    process_env.pop("VIRTUAL_ENV", None)
    command = [
        str(_bin(venv, "langgraph")), "dev", "--no-browser", "--no-reload",
        "--host", "127.0.0.1", "--port", str(port), "--n-jobs-per-worker", "10",
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=project_dir, env=process_env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_SECS
            while True:
                if proc.poll() is not None:
                    tail = log_path.read_text(errors="replace")[-4000:]
                    raise RuntimeError(f"langgraph dev exited with {proc.returncode}; log {log_path}:\n{tail}")
                try:
                    if httpx.get(f"{url}/ok", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"langgraph dev not ready after {START_TIMEOUT_SECS} s; log {log_path}")
                time.sleep(0.1)
            yield url
        finally:
            _stop(proc)
            shutil.rmtree(state_dir, ignore_errors=True)
