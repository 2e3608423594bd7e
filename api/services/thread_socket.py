"""One WebSocket session of the Agent Protocol v2 event stream: commands in, events out.

The thread's tape (api/services/event_stream.py) is read once per socket, from its first event,
and each event is sent once if any subscription selects it (a subscription's `since` skips the
events up to that `seq`). The tape is the same on every connection, so a client can move between
sockets, SSE streams and API processes with `since`. A subscription made after the socket has
sent events sees the events from then on. `agent.getTree` answers from the lifecycle events read
so far (api/services/agent_tree.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import WebSocket

from api.context import AppContext
from api.errors import BadRequest
from api.services.agent_tree import AgentTrees
from api.services.event_stream import EventFilter, thread_tape
from api.services.thread_commands import NOT_A_COMMAND, error_envelope, execute, is_command, success_envelope


class SocketSession:
    def __init__(self, ctx: AppContext, thread_id: str, websocket: WebSocket) -> None:
        self._ctx = ctx
        self._thread_id = thread_id
        self._socket = websocket
        self._subscriptions: dict[str, EventFilter] = {}
        self._next_id = 0
        self._pump: asyncio.Task[None] | None = None
        self._sending = asyncio.Lock()
        self._trees = AgentTrees()

    async def _send(self, frame: dict[str, Any]) -> None:
        async with self._sending:  # replies and events never interleave mid-frame
            await self._socket.send_text(json.dumps(frame, separators=(",", ":"), ensure_ascii=False))

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
            await self._send(await self._answer(command))

    async def _answer(self, command: dict[str, Any]) -> dict[str, Any]:
        command_id, method = command["id"], command["method"]
        params = command.get("params") or {}
        if method in ("subscription.subscribe", "subscription.reconnect"):
            try:
                wanted = EventFilter.parse(params)
            except BadRequest as exc:
                return error_envelope(command_id, "invalid_argument", exc.detail)
            subscription_id = params.get("subscription_id") if method == "subscription.reconnect" else None
            if not isinstance(subscription_id, str) or not subscription_id:
                self._next_id += 1
                subscription_id = f"sub-{self._next_id}"
            self._subscriptions[subscription_id] = wanted
            return success_envelope(command_id, {"subscription_id": subscription_id, "replayed_events": 0})
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

    def _start_reading(self) -> None:
        """The tape is read from the socket's first command on: for the subscriptions, and for the
        runs' trees (`agent.getTree`), which need every lifecycle event, selected or not."""
        if self._pump is None:
            self._pump = asyncio.create_task(self._forward(), name=f"v2-socket-{self._thread_id}")

    async def _forward(self) -> None:
        async for event in thread_tape(self._ctx, self._thread_id):
            self._trees.see(event)
            if any(wanted.matches(event) for wanted in list(self._subscriptions.values())):
                await self._send(event)

    async def close(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._pump
