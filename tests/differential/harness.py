"""The corpus projects, their scenarios, and how a scenario's observations are compared.

A project is a folder under tests/corpus with a `langgraph.json` and a `scenario.py`. The scenario
module defines:

- `STEPS`: the SDK steps, run in order by `run_scenario` against a server's URL. Each step is a
  dict with an `op`:
  - `thread` (`as`: the name later steps use; optional `metadata`);
  - `wait` / `stream`: a run (`thread`: a name or absent for a stateless run, `assistant`, and any of
    `input`, `command`, `context`, `config`, `metadata`, `stream_mode`, `stream_subgraphs`,
    `interrupt_before`, `interrupt_after`);
  - `state` (`thread`, optional `subgraphs`), `history` (`thread`, optional `limit`),
    `update_state` (`thread`, `values`, optional `as_node`);
  - `assistants` (`graph_id`: the system assistants of that graph), `schemas` / `graph` (`assistant`);
  - `store_search` (`namespace`: list of strings, optional `query`).
  A step may carry `id`, the key of its observation (default `"<index>:<op>"`), and `lane`: the
  steps of one lane run in order, lanes concurrently; a step's lane is its `lane`, else its thread
  (`as` for `thread`), else `-`.
- `expect(obs)`: assertions on the reference server's observations alone, so a comparison cannot
  pass vacuously.
- optional `INPROCESS`: what the in-process sanity test runs with plain LangGraph (see
  tests/differential/test_inprocess.py), `PYTHONPATH`: folders of the project that a user would have
  pip-installed (e.g. `["src"]` for a src layout; given to both servers), and `ENV`.

`observe`-d results are raw SDK payloads; `comparable()` turns them into what must be equal between
two servers (ids, timestamps and uuid-like strings normalized; interrupt ids dropped; tool call ids
numbered by first appearance).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "corpus"
RUN_KWARGS = (
    "input", "command", "context", "config", "metadata", "stream_mode", "stream_subgraphs",
    "interrupt_before", "interrupt_after", "checkpoint_id", "multitask_strategy",
)


@dataclass
class Project:
    name: str
    dir: Path
    config: Path
    steps: list[dict[str, Any]]
    expect: Callable[[dict[str, Any]], None] | None
    inprocess: list[dict[str, Any]]
    pythonpath: list[Path]
    env: dict[str, str] = field(default_factory=dict)

    @property
    def langgraph_json(self) -> dict[str, Any]:
        return json.loads(self.config.read_text())

    def server_env(self) -> dict[str, str]:
        """PYTHONPATH (the project 'installed') and the scenario's static env, for either server."""
        env = dict(self.env)
        if self.pythonpath:
            env["PYTHONPATH"] = ":".join(str(p) for p in self.pythonpath)
        return env


def _load_module(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def discover() -> list[Project]:
    projects = []
    for config in sorted(CORPUS.glob("**/langgraph.json")):
        directory = config.parent
        if ".langgraph_api" in config.parts or not (directory / "scenario.py").exists():
            continue
        name = directory.relative_to(CORPUS).as_posix()
        scenario = _load_module(directory / "scenario.py", "corpus_scenario_" + re.sub(r"\W", "_", name))
        projects.append(
            Project(
                name=name,
                dir=directory,
                config=config,
                steps=list(scenario.STEPS),
                expect=getattr(scenario, "expect", None),
                inprocess=list(getattr(scenario, "INPROCESS", [])),
                pythonpath=[directory / p for p in getattr(scenario, "PYTHONPATH", [])],
                env=dict(getattr(scenario, "ENV", {})),
            )
        )
    return projects


# ---------------------------------------------------------------------------------------------
# Running a scenario through the official SDK


class StepError(Exception):
    """A step raised (HTTP error, timeout): later steps are not run."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


V3_CHANNELS = ["values", "updates", "messages", "tools", "lifecycle", "input", "checkpoints", "tasks", "custom"]
_V3_ENDS = ("completed", "failed", "interrupted")


async def _thread_protocol_run(url: str, threads: dict[str, str], step: dict[str, Any], timeout: float) -> list[dict[str, Any]]:
    """An Agent Protocol v2 run (`op: v3`): `run.start` on a new thread (`as`; or on `thread`'s, which
    resumes it when it is interrupted), then the thread's events up to that run's root terminal."""
    import uuid

    import httpx

    thread_id = threads.get(step.get("thread") or "") or str(uuid.uuid4())
    threads.setdefault(step.get("as") or step["thread"], thread_id)
    params: dict[str, Any] = {"assistant_id": step["assistant"], "input": step.get("input")}
    if step.get("context"):
        params["config"] = {"configurable": step["context"]}
    events: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=url, timeout=timeout) as http:
        started = await http.post(f"/threads/{thread_id}/commands", json={"id": 1, "method": "run.start", "params": params})
        run_id = started.json()["result"]["run_id"]
        mine = False
        async with http.stream("POST", f"/threads/{thread_id}/stream/events", json={"channels": V3_CHANNELS}) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data:"):
                    continue
                event = json.loads(line[5:])
                params_ = event["params"]
                # The thread's earlier runs come first: this run's events begin with its `running`.
                mine = mine or run_id in str(event.get("event_id"))
                if not mine:
                    continue
                events.append({"method": event["method"], "namespace": params_["namespace"], "data": params_["data"]})
                if event["method"] == "lifecycle" and not params_["namespace"] and params_["data"].get("event") in _V3_ENDS:
                    return events
    return events


async def run_scenario(url: str, steps: list[dict[str, Any]], *, step_timeout: float = 60.0) -> dict[str, Any]:
    """Run `steps` against the server at `url`; the raw observations.

    On a step that raises, the observation records the error (`obs["error"]`) and stops there.
    """
    from langgraph_sdk import get_client

    client = get_client(url=url, timeout=step_timeout)
    threads: dict[str, str] = {}
    observed: dict[str, Any] = {}
    obs: dict[str, Any] = {
        "steps": observed, "threads": {}, "thread_ids": threads, "error": None, "started_at": time.time(),
    }

    async def system_assistant(graph_id: str) -> str:
        """The id of the graph's default assistant (the official server wants a UUID on some routes)."""
        for found in await client.assistants.search(graph_id=graph_id, limit=100):
            if (found.get("metadata") or {}).get("created_by") == "system":
                return str(found["assistant_id"])
        raise LookupError(f"no system assistant for graph {graph_id!r}")

    async def one(step: dict[str, Any]) -> Any:
        op = step["op"]
        thread_id = threads[step["thread"]] if step.get("thread") else None
        if op == "thread":
            created = await client.threads.create(metadata=step.get("metadata"))
            threads[step["as"]] = created["thread_id"]
            return {"thread": step["as"]}
        if op == "wait":
            kwargs = {k: step[k] for k in RUN_KWARGS if k in step}
            return {"output": await client.runs.wait(thread_id, step["assistant"], raise_error=False, **kwargs)}
        if op == "stream":
            kwargs = {k: step[k] for k in RUN_KWARGS if k in step}
            events = []
            async for part in client.runs.stream(thread_id, step["assistant"], **kwargs):
                events.append({"event": part.event, "data": part.data})
            return {"events": events}
        if op == "state":
            return {"state": await client.threads.get_state(thread_id, subgraphs=step.get("subgraphs", False))}
        if op == "update_state":
            updated = await client.threads.update_state(thread_id, step["values"], as_node=step.get("as_node"))
            return {"updated": sorted(updated)}
        if op == "history":
            return {"history": await client.threads.get_history(thread_id, limit=step.get("limit", 10))}
        if op == "assistants":
            found = await client.assistants.search(graph_id=step["graph_id"], limit=100)
            return {"assistants": [a for a in found if (a.get("metadata") or {}).get("created_by") == "system"]}
        if op == "schemas":
            return {"schemas": await client.assistants.get_schemas(await system_assistant(step["assistant"]))}
        if op == "graph":
            assistant_id = await system_assistant(step["assistant"])
            return {"graph": await client.assistants.get_graph(assistant_id, xray=step.get("xray", False))}
        if op == "v3":
            return {"v3_events": await _thread_protocol_run(url, threads, step, step_timeout)}
        if op == "store_search":
            found = await client.store.search_items(tuple(step["namespace"]), query=step.get("query"), limit=20)
            return {"items": found["items"]}
        raise ValueError(f"unknown op {op!r}")

    # Steps on different threads are independent: each thread's steps run in order, the threads
    # (and the steps that use no thread) concurrently, which hides the official server's ~1 s
    # queue latency per run.
    lanes: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for index, step in enumerate(steps):
        key = step.get("id") or f"{index}:{step['op']}"
        lane = step.get("lane") or (step.get("as") if step["op"] in ("thread", "v3") else None) or step.get("thread") or "-"
        lanes.setdefault(str(lane), []).append((key, step))

    async def run_lane(lane: list[tuple[str, dict[str, Any]]]) -> None:
        for key, step in lane:
            try:
                observed[key] = await asyncio.wait_for(one(step), timeout=step_timeout)
            except Exception as exc:
                raise StepError(f"step {key}: {_first_line(exc)}") from exc

    try:
        results = await asyncio.gather(*(run_lane(lane) for lane in lanes.values()), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        for name, thread_id in threads.items():
            state = await asyncio.wait_for(client.threads.get_state(thread_id), timeout=step_timeout)
            runs = await asyncio.wait_for(client.runs.list(thread_id, limit=100), timeout=step_timeout)
            runs = sorted(runs, key=lambda r: r["created_at"])
            obs["threads"][name] = {"state": state, "run_statuses": [r["status"] for r in runs]}
    except StepError as exc:
        obs["error"] = str(exc)
    return obs


# ---------------------------------------------------------------------------------------------
# Normalizing and comparing

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TS = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?")
_MESSAGE_TYPES = {"human", "ai", "tool", "system", "function", "chat", "remove",
                  "AIMessageChunk", "HumanMessageChunk", "ToolMessageChunk", "SystemMessageChunk"}
# Volatile or server-specific keys, dropped wherever they appear.
DROP_KEYS = {"response_metadata", "usage_metadata", "created_at", "updated_at", "modified_at", "run_id",
             "thread_id", "checkpoint_id", "checkpoint_ns", "parent_checkpoint_id", "system_fingerprint"}
_INTERRUPT_KEYS = {"value", "id", "when", "resumable", "ns", "interrupt_id", "response_schema"}


# Similarity scores printed into prompts (memory-agent): they are not comparable across servers.
# The reference's in-memory store computes them in float64, vector extensions (sqlite-vec,
# pgvector) in float32; and the search query holds the previous turn's tool message, "Stored memory
# <uuid4>", whose random hex words the fake embeddings hash too, so a score varies from run to run
# on either server (seen: 0.55470 and 0.61394 for the same turn on the reference).
_LONG_DECIMAL = re.compile(r"\d+\.\d{5,}")


def norm_str(text: str) -> str:
    text = _TS.sub("<ts>", _UUID.sub("<uuid>", text))
    return _LONG_DECIMAL.sub("<score>", text)


class Normalizer:
    """Normalizes one observation; tool call ids are numbered by `prime` (by name and args), else in
    the order they are first met."""

    def __init__(self) -> None:
        self.call_ids: dict[str, str] = {}

    def prime(self, value: Any) -> None:
        """Number the tool calls that AI messages anywhere in `value` make by (name, args) first, so
        the numbering does not depend on which parallel tool result an observation met first
        (parallel tools finish in any order on either server)."""
        found: dict[str, tuple[str, str]] = {}

        def walk(item: Any) -> None:
            if isinstance(item, dict):
                for call in item.get("tool_calls") or [] if isinstance(item.get("tool_calls"), list) else []:
                    if isinstance(call, dict) and isinstance(call.get("id"), str) and call["id"]:
                        found.setdefault(call["id"], (str(call.get("name")), json.dumps(call.get("args"), sort_keys=True, default=str)))
                for key in sorted(item, key=str):
                    walk(item[key])
            elif isinstance(item, list | tuple):
                for child in item:
                    walk(child)

        walk(value)
        # Ties (the same call made several times, e.g. `transfer_back_to_supervisor` with no args,
        # whose ids are random uuids) keep the order of a walk in key order, which does not depend
        # on which of a scenario's concurrent lanes finished first.
        for call_id, _key in sorted(found.items(), key=lambda kv: kv[1]):
            self.call_id(call_id)

    def call_id(self, value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        return self.call_ids.setdefault(value, f"<call{len(self.call_ids)}>")

    def message(self, m: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"type": m.get("type"), "content": self(m.get("content"))}
        if m.get("name"):
            out["name"] = m["name"]
        calls = m.get("tool_calls") or []
        if calls:
            out["tool_calls"] = [
                {"name": c.get("name"), "args": self(c.get("args")), "id": self.call_id(c.get("id"))} for c in calls
            ]
        if m.get("tool_call_id"):
            out["tool_call_id"] = self.call_id(m["tool_call_id"])
            out["status"] = m.get("status", "success")
        extra = {k: v for k, v in (m.get("additional_kwargs") or {}).items() if v not in (None, [], {}, "")}
        if extra:  # the official server's checkpoints add empty `invalid_tool_calls`/`usage_metadata` here
            out["additional_kwargs"] = self(extra)
        if m.get("artifact") is not None:
            out["artifact"] = self(m["artifact"])
        return out

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return norm_str(value)
        if isinstance(value, list | tuple):
            return [self(v) for v in value]
        if isinstance(value, dict):
            if isinstance(value.get("type"), str) and value["type"] in _MESSAGE_TYPES and "content" in value:
                return self.message(value)
            if "value" in value and set(value) <= _INTERRUPT_KEYS:
                return {"value": self(value["value"])}
            return {k: self(value[k]) for k in sorted(value) if k not in DROP_KEYS}
        return value


def messages_digest(messages: list[Any], normalizer: Normalizer | None = None) -> list[Any]:
    n = normalizer or Normalizer()
    return [n.message(m) if isinstance(m, dict) else n(m) for m in messages]


def state_interrupts(state: dict[str, Any]) -> list[Any]:
    found = [i.get("value") for task in state.get("tasks") or [] for i in task.get("interrupts") or []]
    if not found:
        found = [i.get("value") for i in state.get("interrupts") or []]
    return found


def _state(state: dict[str, Any], n: Normalizer) -> dict[str, Any]:
    return {
        "values": n(state.get("values")),
        "next": sorted(state.get("next") or []),
        "tasks": sorted(t.get("name") for t in state.get("tasks") or []),
        "interrupts": n(state_interrupts(state)),
    }


def _stream(events: list[dict[str, Any]], n: Normalizer) -> dict[str, Any]:
    names: list[str] = []
    subgraph_names: list[str] = []  # events of subgraphs interleave with the root's by timing: a multiset
    updates: list[list[str]] = []
    values: list[Any] = []
    texts: dict[str, dict[str, Any]] = {}
    errors: list[Any] = []
    for event in events:
        name, data = event["event"], event["data"]
        base, _, namespace = name.partition("|")
        collapsed = "messages" if base.startswith("messages") else base
        if namespace:
            subgraph_names.append(f"{collapsed}|{norm_str(namespace)}")
            continue
        if not (names and collapsed == "messages" and names[-1] == collapsed):
            names.append(collapsed)
        if base == "updates" and isinstance(data, dict):
            updates.append(sorted(data))
        elif base == "values":
            values.append(data)
        elif base == "error":
            errors.append(data)
        elif base == "messages" and isinstance(data, list) and len(data) == 2:
            chunk, meta = data
            if not isinstance(chunk, dict):
                continue
            key = str(chunk.get("id") or len(texts))
            entry = texts.setdefault(
                key,
                {"node": (meta or {}).get("langgraph_node"), "type": chunk.get("type"), "text": "", "tool_calls": []},
            )
            content = chunk.get("content")
            entry["text"] += content if isinstance(content, str) else json.dumps(content)
            for call in chunk.get("tool_call_chunks") or chunk.get("tool_calls") or []:
                if call.get("name"):
                    entry["tool_calls"].append(call["name"])
    return {
        "event_names": names,
        "subgraph_event_names": sorted(set(subgraph_names)),
        "updates": sorted(updates),
        "last_values": n(values[-1]) if values else None,
        # Sorted: parallel tasks' messages arrive in either order (the state keeps their order).
        "messages": sorted(
            ({**e, "text": norm_str(e["text"]), "type": str(e["type"]).replace("Chunk", "")} for e in texts.values()),
            key=json.dumps,
        ),
        "errors": n(errors),
    }


def _v3(events: list[dict[str, Any]], n: Normalizer) -> dict[str, Any]:
    """A thread-protocol run's events: the root namespace's in order (text deltas joined per
    message), the subgraphs' as a multiset (they interleave with the root's by timing)."""
    root: list[Any] = []
    nested: list[str] = []
    tools: list[str] = []
    for event in events:
        method, namespace, data = event["method"], event["namespace"], event["data"]
        if method == "tools" and not namespace:
            # Parallel tool calls start and finish in any order on either server: a multiset.
            tools.append(norm_str(json.dumps(n(data), sort_keys=True, default=str)))
            continue
        if namespace:
            kind = data.get("event") if isinstance(data, dict) else None
            nested.append(json.dumps([method, norm_str("|".join(namespace)), kind]))
            continue
        if method == "messages" and isinstance(data, dict) and data.get("event") == "content-block-delta":
            delta = data.get("delta") or {}
            if root and root[-1][0] == "delta" and root[-1][1] == delta.get("type"):
                root[-1][2] += str(delta.get("text") or delta.get("args") or "")
            else:
                root.append(["delta", delta.get("type"), str(delta.get("text") or delta.get("args") or "")])
            continue
        if method == "messages" and isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in ("id", "metadata", "usage")}
        if method == "input.requested" and isinstance(data, dict):
            # The id hashes the task's checkpoint namespace (server-specific task ids); ours also
            # sends the payload as `value` (docs/compatibility.md).
            data = {"interrupt_id": "<present>" if data.get("interrupt_id") else None, "payload": data.get("payload")}
        root.append([method, n(data)])
    return {
        "root": [norm_str(json.dumps(e, sort_keys=True, default=str)) for e in root],
        "tools": sorted(tools),
        "nested": sorted(nested),
    }


def comparable_schemas(obs: dict[str, Any]) -> dict[str, Any]:
    """The `/schemas` answers of a scenario (compared on their own: their JSON Schema details are the
    official API's exactness, issue 12, apart from whether the project runs)."""
    n = Normalizer()
    return {
        key: n({k: v for k, v in step["schemas"].items() if k != "graph_id"})
        for key, step in obs["steps"].items()
        if "schemas" in step
    }


def comparable(obs: dict[str, Any]) -> dict[str, Any]:
    """What must be equal between the reference server and ours for one scenario (but `/schemas`)."""
    n = Normalizer()
    n.prime(obs)
    steps: dict[str, Any] = {}
    for key, step in obs["steps"].items():
        if "schemas" in step:
            continue
        if "output" in step:
            steps[key] = {"output": n(step["output"])}
        elif "events" in step:
            steps[key] = _stream(step["events"], n)
        elif "v3_events" in step:
            steps[key] = _v3(step["v3_events"], n)
        elif "state" in step:
            steps[key] = _state(step["state"], n)
        elif "history" in step:
            steps[key] = [_state(s, n) for s in step["history"]]
        elif "assistants" in step:
            steps[key] = sorted(
                ({"name": a.get("name"), "description": a.get("description"), "graph_id": a.get("graph_id")}
                 for a in step["assistants"]),
                key=json.dumps,
            )
        elif "graph" in step:
            graph = step["graph"]
            steps[key] = {
                "nodes": sorted(str(node.get("id")) for node in graph.get("nodes", [])),
                "edges": sorted(
                    f"{e.get('source')}->{e.get('target')}{' (conditional)' if e.get('conditional') else ''}"
                    for e in graph.get("edges", [])
                ),
            }
        elif "items" in step:
            steps[key] = sorted(
                (n({"namespace": i["namespace"], "value": i["value"]}) for i in step["items"]), key=json.dumps
            )
        else:
            steps[key] = n(step)
    threads = {}
    for name, thread in obs["threads"].items():
        state = thread["state"]
        values = state.get("values")
        messages = values.get("messages") if isinstance(values, dict) else None
        threads[name] = {
            "state": _state(state, n),
            "messages": messages_digest(messages, n) if isinstance(messages, list) else None,
            "run_statuses": thread["run_statuses"],
        }
    return {"error": obs.get("error"), "steps": steps, "threads": threads}


def first_run_error(obs: dict[str, Any] | None) -> str | None:
    """The first run that failed (a join/wait `__error__` or a stream `error` event), as one line."""
    for key, step in (obs or {}).get("steps", {}).items():
        output = step.get("output")
        if isinstance(output, dict) and isinstance(output.get("__error__"), dict):
            error = output["__error__"]
            return f"step {key}: {error.get('error')}: {str(error.get('message')).splitlines()[0][:300]}"
        for event in step.get("events") or []:
            if event["event"].startswith("error"):
                data = event["data"] if isinstance(event["data"], dict) else {"message": event["data"]}
                return f"step {key}: {data.get('error')}: {str(data.get('message')).splitlines()[0][:300]}"
    return None


def differing_paths(expected: Any, actual: Any, path: str = "", depth: int = 3) -> list[str]:
    """Where two comparables differ, as paths cut at `depth` levels (e.g. `steps.ask.event_names`)."""
    if expected == actual:
        return []
    if depth and isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            found += differing_paths(expected.get(key), actual.get(key), f"{path}.{key}" if path else str(key), depth - 1)
        return found
    return [path or "<root>"]


def diff(expected: Any, actual: Any) -> str:
    """A unified diff of two comparables, as indented JSON."""
    import difflib

    a = json.dumps(expected, indent=1, sort_keys=True, default=str).splitlines()
    b = json.dumps(actual, indent=1, sort_keys=True, default=str).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "reference", "ours", lineterm="", n=2))


# ---------------------------------------------------------------------------------------------
# Helpers for scenarios' expectations


def messages_of(values: Any) -> list[dict[str, Any]]:
    return list((values or {}).get("messages") or []) if isinstance(values, dict) else []


def text_of(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def import_path_for(project: Project) -> list[str]:
    """What `langgraph dev` puts on sys.path for the project, plus the scenario's PYTHONPATH."""
    paths = [str(project.dir)]
    for dep in project.langgraph_json.get("dependencies", []):
        dep_path = (project.dir / dep).resolve()
        if dep_path.is_dir():
            paths.append(str(dep_path))
    paths += [str(p) for p in project.pythonpath]
    return paths


def loaded_under(directory: Path) -> list[str]:
    """Names of the modules in sys.modules whose file is inside `directory`."""
    names = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(directory.resolve()):
            names.append(name)
    return names
