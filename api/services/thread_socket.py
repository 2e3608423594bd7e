"""One WebSocket session of the Agent Protocol v2 event stream: commands in, events out.

The thread's tape (api/services/event_stream.py) is read once per socket, from the socket's first
command on, and each event is sent once if any subscription selects it. The tape is the same on
every connection, so a client can move between sockets, SSE streams and API processes with `since`.

A subscription made after the socket has read events gets them replayed first (its reply's
`replayed_events` counts them): `subscription.subscribe` the latest run's events, as the official
server's per-run buffer; `subscription.reconnect` (or a subscribe with `since`) every event after
`since`, since the socket keeps what it read, so there is no `resume_gap`. Events one of the
socket's other subscriptions selects are not sent twice. `agent.getTree` answers from the
lifecycle events read so far (api/services/agent_tree.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket

from api.auth.authorize import Filter
from api.context import AppContext
from api.errors import BadRequest
from api.services.agent_tree import AgentTrees
from api.services.event_stream import EventFilter, thread_tape
from api.services.thread_commands import NOT_A_COMMAND, error_envelope, execute, is_command, success_envelope


def _is_run_start(event: dict[str, Any]) -> bool:
    params = event["params"]
    return event["method"] == "lifecycle" and not params["namespace"] and params["data"].get("event") == "running"


class SocketSession:
    def __init__(self, ctx: AppContext, thread_id: str, websocket: WebSocket, allowed: Filter | None = None) -> None:
        self._ctx = ctx
        self._allowed = allowed  # the project's `threads:read` filter for the caller (api/auth/)
        self._thread_id = thread_id
        self._socket = websocket
        self._subscriptions: dict[str, EventFilter] = {}
        self._next_id = 0
        self._pump: asyncio.Task[None] | None = None
        # Held while a frame is written, and while the pump decides on an event or a subscription
        # replays: so every event is decided once, and replays and live events never interleave.
        self._sending = asyncio.Lock()
        self._trees = AgentTrees()
        self._read: list[dict[str, Any]] = []  # the tape so far
        self._latest_run_at = 0  # where the latest run's events begin in `_read`

    async def _write(self, frame: dict[str, Any]) -> None:
        await self._socket.send_text(json.dumps(frame, separators=(",", ":"), ensure_ascii=False))

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._sending:
            await self._write(frame)

    async def serve(self) -> None:
        while True:
            raw = await self._socket.receive_text()
            try:
                command = json.loads(raw)
            except ValueError:
                await self._send(error_envelope(None, "invalid_argument", "A frame must be a JSON command"))
                continue
            if not is_command(command):
                await self._send(error_envelope(None, "invalid_argument", NOT_A_COMMAND))
                continue
            self._start_reading()
            reply = await self._answer(command)
            if reply is not None:
                await self._send(reply)

    async def _answer(self, command: dict[str, Any]) -> dict[str, Any] | None:
        """The command's reply, or None when it was sent already (a subscription and its replay)."""
        command_id, method = command["id"], command["method"]
        params = command.get("params") or {}
        if method in ("subscription.subscribe", "subscription.reconnect"):
            try:
                wanted = EventFilter.parse(params)
            except BadRequest as exc:
                return error_envelope(command_id, "invalid_argument", exc.detail)
            if method == "subscription.reconnect" and wanted.since is None:
                return error_envelope(command_id, "invalid_argument", "subscription.reconnect needs `since` (the last seq the client has)")
            await self._subscribe(command_id, params.get("subscription_id") if method == "subscription.reconnect" else None, wanted)
            return None
        if method == "agent.getTree":
            run_id = params.get("run_id")
            tree = self._trees.tree(run_id if isinstance(run_id, str) else None)
            if tree is None:
                return error_envelope(command_id, "no_such_run", f"No run {run_id!r} on this stream" if run_id else "No run on this stream yet")
            return success_envelope(command_id, {"tree": tree})
        if method == "subscription.unsubscribe":
            if self._subscriptions.pop(str(params.get("subscription_id")), None) is None:
                return error_envelope(command_id, "no_such_subscription", f"No subscription {params.get('subscription_id')!r}")
            return success_envelope(command_id, {})
        return await execute(self._ctx, self._thread_id, command)

    async def _subscribe(self, command_id: int, subscription_id: Any, wanted: EventFilter) -> None:
        if not isinstance(subscription_id, str) or not subscription_id:
            self._next_id += 1
            subscription_id = f"sub-{self._next_id}"
        async with self._sending:
            others = [f for sid, f in self._subscriptions.items() if sid != subscription_id]
            self._subscriptions[subscription_id] = wanted
            start = 0 if wanted.since is not None else self._latest_run_at
            replay = [e for e in self._read[start:] if wanted.matches(e) and not any(o.matches(e) for o in others)]
            await self._write(success_envelope(command_id, {"subscription_id": subscription_id, "replayed_events": len(replay)}))
            for event in replay:
                await self._write(event)

    def _start_reading(self) -> None:
        """The tape is read from the socket's first command on: for the subscriptions, and for the
        runs' trees (`agent.getTree`), which need every lifecycle event, selected or not."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._forward(), name=f"v2-socket-{self._thread_id}")

    async def _forward(self) -> None:
        async for event in thread_tape(self._ctx, self._thread_id, allowed=self._allowed):
            self._trees.see(event)
            async with self._sending:
                if _is_run_start(event):
                    self._latest_run_at = len(self._read)
                self._read.append(event)
                if any(wanted.matches(event) for wanted in self._subscriptions.values()):
                    await self._write(event)

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
