"""Agent Protocol v2 thread events (`POST /threads/{id}/stream/events`) made from the runs' durable
streams (../shared/notes/agent-protocol-v2.md).

A thread's events are its runs' events, run after run, each run's framed by a root `lifecycle`
`running` and its terminal (`completed`, `failed`, `interrupted`), its interrupts as
`input.requested`. Every run's stream is durable in its workflow, so the whole tape can be read
again at any time, from any API process: `seq` counts the thread's events from the first run on
(every event, before any filter), and `event_id` names the run and the stream offset it came from.
Two connections, or one reconnecting with `since` after a crash, see the same `seq` and `event_id`
for the same event.

Channels made so far: lifecycle, values, updates, custom, input (`input.requested`), messages
(token deltas and whole messages as content blocks) and tools (LangGraph's own `tools` stream mode,
run in the node activities that call the tools; each finished tool's result is also mirrored as a
`tool` message under `tools:<tool_call_id>`). `checkpoints` and `tasks` are accepted in a filter
and not produced (the official server with langgraph 1.2.24 sends neither).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import WorkflowExecutionStatus
from temporalio.service import RPCError

from activities.storage import RunRow, queries
from api.auth.authorize import Filter
from api.auth.filters import matches
from api.context import AppContext
from api.errors import BadRequest
from api.services.run_arrivals import next_run_or_timeout
from api.services.streams import NEXT_RUN_POLL_SECS, _run_stream, sse
from workflows.status import USER_INTERRUPT
from workflows.streaming import EVENT_STREAMING_V2_KEY, PROTOCOL_MESSAGES_MODE
from workflows.types import run_workflow_id

CHANNELS = ("values", "updates", "messages", "tools", "lifecycle", "input", "checkpoints", "tasks", "custom")
TERMINAL = {"success": "completed", "error": "failed", "interrupted": "interrupted", "timeout": "failed"}


@dataclass(frozen=True)
class EventFilter:
    """The request body: which channels, under which namespaces, how deep, after which `seq`."""

    channels: tuple[str, ...]
    namespaces: tuple[tuple[str, ...], ...] | None = None
    depth: int | None = None
    since: int | None = None

    @classmethod
    def parse(cls, body: Any) -> "EventFilter":
        if not isinstance(body, dict):
            raise BadRequest("The body must be a JSON object with `channels`")
        channels = body.get("channels")
        if not isinstance(channels, list) or not channels:
            raise BadRequest("`channels` must be a non-empty list of channel names")
        for channel in channels:
            if not isinstance(channel, str) or (channel not in CHANNELS and not channel.startswith("custom:")):
                raise BadRequest(f"Unknown channel {channel!r}: expected one of {list(CHANNELS)} or 'custom:<name>'")
        namespaces = body.get("namespaces")
        if namespaces is not None and (
            not isinstance(namespaces, list) or not all(isinstance(n, list) and all(isinstance(s, str) for s in n) for n in namespaces)
        ):
            raise BadRequest("`namespaces` must be a list of namespaces (lists of strings)")
        depth, since = body.get("depth"), body.get("since")
        for name, value in (("depth", depth), ("since", since)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise BadRequest(f"`{name}` must be an integer >= 0")
        return cls(
            channels=tuple(channels),
            namespaces=tuple(tuple(n) for n in namespaces) if namespaces is not None else None,
            depth=depth,
            since=since,
        )

    def _channel_matches(self, method: str, data: Any) -> bool:
        for channel in self.channels:
            if channel == method or (channel == "input" and method == "input.requested"):
                return True
            if channel.startswith("custom:") and method == "custom":
                if isinstance(data, dict) and data.get("name") == channel.split(":", 1)[1]:
                    return True
        return False

    def _namespace_matches(self, namespace: list[str]) -> bool:
        if self.namespaces is None:
            return True
        for prefix in self.namespaces:
            if len(prefix) > len(namespace):
                continue
            if all(p == s or (":" not in p and s.split(":", 1)[0] == p) for p, s in zip(prefix, namespace, strict=False)):
                if self.depth is None or len(namespace) - len(prefix) <= self.depth:
                    return True
        return False

    def matches(self, event: dict[str, Any]) -> bool:
        if self.since is not None and event["seq"] <= self.since:
            return False
        params = event["params"]
        return self._channel_matches(event["method"], params["data"]) and self._namespace_matches(params["namespace"])


def _event(event_id: str, method: str, namespace: list[str], data: Any) -> dict[str, Any]:
    return {
        "type": "event",
        "event_id": event_id,
        "method": method,
        "params": {"namespace": namespace, "timestamp": int(time.time() * 1000), "data": data},
    }


def _split_name(event: str) -> tuple[str, list[str]]:
    """A run stream's event name (`values`, `updates|node:task`, `messages/partial`) as (mode, namespace)."""
    base, *namespace = event.split("|")
    return base.split("/", 1)[0], namespace


_MESSAGE_KEYS = ("type", "content", "id", "name", "tool_calls", "tool_call_id", "status", "artifact", "response_metadata")


def _text_of(content: Any) -> str:
    """A message's content as text: a string as it is, text parts joined, anything else as JSON."""
    if isinstance(content, str):
        return content
    if isinstance(content, list) and all(isinstance(p, dict) and p.get("type") == "text" for p in content):
        return "".join(str(p.get("text", "")) for p in content)
    return json.dumps(content, default=str)


def _compact_message(message: Any) -> Any:
    """A message as the official `values` events show it: its identifying keys only."""
    if not isinstance(message, dict) or "type" not in message:
        return message
    compact = {k: message[k] for k in _MESSAGE_KEYS if message.get(k) not in (None, [], {})}
    compact["content"] = message.get("content", "")
    if message["type"] == "tool":
        compact["artifact"] = message.get("artifact")  # a tool message always shows it, None too
    return compact


def _compact_values(values: Any) -> Any:
    """The state without `__interrupt__` (interrupts travel as `input.requested`), messages compacted."""
    if not isinstance(values, dict):
        return values
    out = {}
    for key, value in values.items():
        if key == "__interrupt__":
            continue
        out[key] = [_compact_message(m) for m in value] if isinstance(value, list) else value
    return out


@dataclass
class _MessageStreams:
    """LangChain message chunks as the protocol's message events: a message opens with
    `message-start` and one text block, grows by deltas, and closes when another message begins
    or the node's update arrives."""

    open: dict[tuple[str, ...], str] = field(default_factory=dict)  # namespace -> open message id
    text: dict[str, str] = field(default_factory=dict)
    # An open message's tool call block: its id, name and the argument text so far.
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Tool calls whose result was mirrored from the `tools` channel.
    mirrored: set[str] = field(default_factory=set)

    def tool_result(self, namespace: tuple[str, ...], tools_event: Any) -> list[tuple[tuple[str, ...], str, Any]]:
        """A finished tool's result as a `tool` message at `[..., "tools:<tool_call_id>"]`, as the
        official server mirrors it (so message views scoped to a tool call see its output)."""
        if not isinstance(tools_event, dict) or tools_event.get("event") != "tool-finished":
            return []
        output = tools_event.get("output")
        if not isinstance(output, dict):
            return []
        call_id = tools_event.get("tool_call_id") or output.get("tool_call_id")
        message_id = output.get("id") or (f"tool-{call_id}" if call_id else None)
        if not message_id:
            return []
        text = _text_of(output.get("content"))
        start: dict[str, Any] = {"event": "message-start", "role": "tool", "id": message_id}
        if call_id:
            start["tool_call_id"] = call_id
            self.mirrored.add(call_id)
        at = (*namespace, f"tools:{call_id}") if call_id else namespace
        return [(at, "messages", data) for data in (
            start,
            {"event": "content-block-start", "index": 0, "content": {"type": "text", "text": ""}},
            {"event": "content-block-delta", "index": 0, "content": {"type": "text", "text": text}},
            {"event": "content-block-finish", "index": 0, "content": {"type": "text", "text": text}},
            {"event": "message-finish", "metadata": {}},
        )]

    def close(self, namespace: tuple[str, ...]) -> list[tuple[str, Any]]:
        message_id = self.open.pop(namespace, None)
        if message_id is None:
            return []
        call = self.calls.pop(message_id, None)
        text = self.text.pop(message_id, "")
        if call is not None:
            try:
                args = json.loads(call["args"]) if call["args"] else {}
            except ValueError:
                args = call["args"]
            content: dict[str, Any] = {"type": "tool_call", "id": call["id"], "name": call["name"], "args": args}
        else:
            content = {"type": "text", "text": text}
        return [
            ("messages", {"event": "content-block-finish", "index": 0, "content": content}),
            ("messages", {"event": "message-finish"}),
        ]

    def close_all(self) -> list[tuple[tuple[str, ...], str, Any]]:
        # Deepest namespaces first, as the official server closes them.
        out: list[tuple[tuple[str, ...], str, Any]] = []
        for namespace in sorted(self.open, key=len, reverse=True):
            out += [(namespace, method, data) for method, data in self.close(namespace)]
        return out

    def chunk(self, namespace: tuple[str, ...], message: dict[str, Any]) -> list[tuple[str, Any]]:
        kind = message.get("type", "ai")
        if kind == "tool" and (not namespace or message.get("tool_call_id") in self.mirrored):
            # Tool results: the `tools` channel's and its mirror's (below), not the conversation's
            # (as the official server).
            return []
        message_id = str(message.get("id") or "")
        role = {"AIMessageChunk": "ai", "ai": "ai", "human": "human", "system": "system", "tool": "tool"}.get(kind, "ai")
        content = message.get("content")
        text = content if isinstance(content, str) else "".join(
            part.get("text", "") for part in content or [] if isinstance(part, dict) and part.get("type") == "text"
        )
        # A tool call streams as argument text (`tool_call_chunks`) or comes whole (`tool_calls`).
        chunks = message.get("tool_call_chunks") or [
            {"id": c.get("id"), "name": c.get("name"), "args": json.dumps(c.get("args") or {})} for c in message.get("tool_calls") or []
        ]
        out: list[tuple[str, Any]] = []
        if self.open.get(namespace) != message_id:
            out += self.close(namespace)
            start: dict[str, Any] = {"event": "message-start", "role": role, "id": message_id}
            if role == "tool" and message.get("tool_call_id"):
                start["tool_call_id"] = message["tool_call_id"]
            out.append(("messages", start))
            if chunks and not text:
                first = chunks[0]
                self.calls[message_id] = {"id": first.get("id"), "name": first.get("name"), "args": ""}
                block = {"type": "tool_call_chunk", "id": first.get("id"), "name": first.get("name"), "args": "", "index": 0}
            else:
                block = {"type": "text", "text": ""}
            out.append(("messages", {"event": "content-block-start", "index": 0, "content": block}))
            self.open[namespace] = message_id
        call = self.calls.get(message_id)
        if call is not None:
            args = "".join(str(c.get("args") or "") for c in chunks)
            if args:
                call["args"] += args
                out.append(("messages", {"event": "content-block-delta", "index": 0, "delta": {"type": "tool-call-delta", "args": args}}))
        elif text:
            self.text[message_id] = self.text.get(message_id, "") + text
            out.append(("messages", {"event": "content-block-delta", "index": 0, "delta": {"type": "text-delta", "text": text}}))
        return out


@dataclass
class _Subgraphs:
    """Subgraph namespaces (`node:task_id`, nested) as lifecycle events: `started` before the first
    event under one, `completed` when the parent's step ends."""

    open: list[tuple[str, ...]] = field(default_factory=list)

    def entered(self, namespace: tuple[str, ...]) -> list[tuple[tuple[str, ...], str, Any]]:
        out = []
        for depth in range(1, len(namespace) + 1):
            prefix = namespace[:depth]
            if prefix not in self.open:
                self.open.append(prefix)
                node, _, task_id = prefix[-1].partition(":")
                out.append((prefix, "lifecycle", {
                    "event": "started", "namespace": list(prefix), "graph_name": node, "trigger_call_id": task_id,
                }))
        return out

    def step_done(self, parent: tuple[str, ...]) -> list[tuple[tuple[str, ...], str, Any]]:
        """The parent's step is over (its `values` came): its subgraphs have ended. (Not at the
        parent's update for their node: with `Send`, several tasks of one node run in a step, and
        the first one's update would close the others' namespaces while they still stream.)"""
        return self._close([ns for ns in self.open if len(ns) == len(parent) + 1 and ns[:-1] == parent])

    def close_all(self) -> list[tuple[tuple[str, ...], str, Any]]:
        return self._close(list(self.open))

    def _close(self, namespaces: list[tuple[str, ...]]) -> list[tuple[tuple[str, ...], str, Any]]:
        out = []
        closing = {ns for ns in self.open if any(ns[: len(top)] == top for top in namespaces)}
        for ns in sorted(closing, key=len, reverse=True):  # deepest first
            self.open.remove(ns)
            out.append((ns, "lifecycle", {"event": "completed", "graph_name": ns[-1].split(":", 1)[0]}))
        return out


async def _run_v2_events(ctx: AppContext, run: RunRow) -> AsyncIterator[dict[str, Any]]:
    """One run's protocol events (no `seq` yet), from the start of its durable stream to its end."""
    run_id = run.run_id
    configurable = ((run.kwargs or {}).get("config") or {}).get("configurable", {})
    graph_name = configurable.get("graph_id") or run.assistant_id
    spec = ctx.graphs.get(graph_name)
    # `updates` and `custom` are channels only of graphs whose transformers need them; `tools`
    # items exist only in runs that asked for them (workflows/streaming.py `protocol_stream_modes`).
    channels = set(spec.shape.transformer_modes if spec is not None else ()) & {"updates", "custom"}
    # A protocol run's message events are LangChain's own, from models that stream; the whole
    # messages its nodes return are in `values` only (as on the official server). A run started
    # through the classic API has only whole messages and chunks, made into events here.
    protocol_run = bool(configurable.get(EVENT_STREAMING_V2_KEY))
    yield _event(f"synth:{run_id}:lc||running", "lifecycle", [], {"event": "running", "graph_name": graph_name})
    messages = _MessageStreams()
    subgraphs = _Subgraphs()
    interrupted = False
    failure: dict[str, Any] | None = None
    async for offset, name, data in _run_stream(ctx, run_id, 0, with_metadata=False):
        if name == "error":
            failure = data if isinstance(data, dict) else {"error": "Error", "message": str(data)}
            continue
        mode, ns = _split_name(name)
        namespace = tuple(ns)
        if mode not in ("values", "updates", "custom", "messages", "tools", PROTOCOL_MESSAGES_MODE):
            continue  # metadata and modes a v2 client has no channel for
        produced: list[tuple[tuple[str, ...], str, Any]] = subgraphs.entered(namespace)
        if mode == PROTOCOL_MESSAGES_MODE:
            produced.append((namespace, "messages", data))  # LangChain's own protocol event, as it is
        elif mode == "messages" and not protocol_run and isinstance(data, list) and data and isinstance(data[0], dict):
            produced += [(namespace, m, d) for m, d in messages.chunk(namespace, data[0])]
        elif mode == "values":
            produced += subgraphs.step_done(namespace)
            produced.append((namespace, "values", _compact_values(data)))
        elif mode == "updates":
            produced += [(namespace, m, d) for m, d in messages.close(namespace)]
            update = data if isinstance(data, dict) else {}
            asked = update.get("__interrupt__") or []
            rest = {k: v for k, v in update.items() if k != "__interrupt__"}
            if (rest or not asked) and "updates" in channels:
                produced.append((namespace, "updates", {node: _compact_values(v) for node, v in rest.items()}))
            for interrupt in asked:
                value = interrupt.get("value") if isinstance(interrupt, dict) else interrupt
                interrupt_id = interrupt.get("id") if isinstance(interrupt, dict) else None
                produced.append((namespace, "input.requested", {"interrupt_id": interrupt_id, "payload": value, "value": value}))
            if asked and not namespace and not interrupted:
                # As the official server: the root `interrupted` comes at once after the requests
                # (what is still open closed first); the run's last values follow it.
                interrupted = True
                produced += messages.close_all() + subgraphs.close_all()
                produced.append(((), "lifecycle", {"event": "interrupted", "graph_name": graph_name}))
        elif mode == "custom" and "custom" in channels:
            produced.append((namespace, "custom", data))
        elif mode == "tools":
            produced.append((namespace, "tools", data))
            produced += messages.tool_result(namespace, data)
        for k, (event_ns, method, event_data) in enumerate(produced):
            suffix = f".{k}" if len(produced) > 1 else ""
            if method == "input.requested":
                event_id = f"synth:{run_id}:input|{'|'.join(event_ns)}|{event_data['interrupt_id']}"
            elif method == "lifecycle" and not event_ns and event_data["event"] == "interrupted":
                event_id = f"synth:{run_id}:lc||interrupted"
            else:
                event_id = f"{run_id}:{offset}{suffix}"
            yield _event(event_id, method, list(event_ns), event_data)
    for k, (event_ns, method, event_data) in enumerate(messages.close_all() + subgraphs.close_all()):
        yield _event(f"{run_id}:end.{k}", method, list(event_ns), event_data)
    if interrupted:
        return  # its terminal was sent with its interrupts
    async with ctx.db.session() as session:
        row = await queries.get_run(session, run.thread_id, run_id)
    status = row.status if row is not None else ("error" if failure else "success")
    terminal = TERMINAL.get(status, "completed")
    data: dict[str, Any] = {"event": terminal, "graph_name": graph_name}
    if terminal == "interrupted" and await _was_cancelled(ctx, run_id):
        # A cancelled run (runs.cancel, or a multitask interrupt/rollback) ends `failed`: the
        # official server sends `interrupted`, which the Python SDK does not take as the end of a
        # run (its `thread.output` would wait forever); both SDKs end the run on `failed`.
        terminal = "failed"
        data = {"event": terminal, "graph_name": graph_name, "error": f"{USER_INTERRUPT['error']}: the run was cancelled"}
    if terminal == "failed" and "error" not in data:
        data["error"] = (failure or {}).get("message") or "the run failed"
    yield _event(f"synth:{run_id}:lc||{terminal}", "lifecycle", [], data)


async def _was_cancelled(ctx: AppContext, run_id: str) -> bool:
    """Whether the run's workflow ended cancelled (its Temporal status, durable across replays)."""
    try:
        described = await ctx.client.get_workflow_handle(run_workflow_id(run_id)).describe()
    except RPCError:
        return False  # the workflow is gone (retention): it reads as it did not end cancelled
    return described.status == WorkflowExecutionStatus.CANCELED


class RunEventCounts:
    """How many events each finished run's tape holds, kept by this API process (bounded, oldest
    forgotten first): a stream with `since` skips the runs it holds entirely without reading their
    workflow streams. A run's tape is the same on every read, so its count is too."""

    def __init__(self, capacity: int = 20_000) -> None:
        self._counts: OrderedDict[str, int] = OrderedDict()
        self._capacity = capacity

    def get(self, run_id: str) -> int | None:
        return self._counts.get(run_id)

    def remember(self, run_id: str, count: int) -> None:
        self._counts[run_id] = count
        self._counts.move_to_end(run_id)
        while len(self._counts) > self._capacity:
            self._counts.popitem(last=False)


RUN_EVENT_COUNTS = RunEventCounts()


async def thread_tape(
    ctx: AppContext, thread_id: str, skip_through: int = 0, allowed: Filter | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every run of the thread, oldest first, as protocol events with one `seq` per thread (before
    any filter); stays open for the thread's later runs (as the official server's stream does).
    Runs whose events all have `seq <= skip_through` are skipped unread when their count is known.
    `allowed`: the project's `threads:read` filter for the caller; a thread it filters out has no
    events for them (checked once the thread has a run, so a stream opened first may wait for it)."""
    seq = 0
    after = ""
    while True:
        async with ctx.db.session() as session:
            run = await queries.next_run(session, thread_id, after)
            if run is not None and allowed is not None and not after:
                if not matches(await queries.thread_metadata(session, thread_id), allowed):
                    return
        if run is None:
            await next_run_or_timeout(thread_id, NEXT_RUN_POLL_SECS)
            continue
        known = RUN_EVENT_COUNTS.get(run.run_id)
        if known is not None and seq + known <= skip_through:
            seq += known
        else:
            count = 0
            async for event in _run_v2_events(ctx, run):
                seq += 1
                count += 1
                event["seq"] = seq
                yield event
            RUN_EVENT_COUNTS.remember(run.run_id, count)  # reached only once the run's tape has ended
        after = run.run_id


async def thread_v2_events(
    ctx: AppContext, thread_id: str, wanted: EventFilter, allowed: Filter | None = None
) -> AsyncIterator[bytes]:
    """The thread's events that `wanted` selects, as SSE (`id` is the event's `seq`)."""
    async for event in thread_tape(ctx, thread_id, skip_through=wanted.since or 0, allowed=allowed):
        if wanted.matches(event):
            yield sse(event["method"], event, event["seq"])
