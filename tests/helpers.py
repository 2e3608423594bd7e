"""Small test helpers: free ports, deadline-bounded waiting, checkpoint chains."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def assert_eventually(check: Callable[[], Awaitable[T] | T], timeout: float = 20.0, interval: float = 0.05) -> T:
    """Retry `check` until it stops raising AssertionError, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if asyncio.iscoroutine(result):
                result = await result
            return result  # type: ignore[return-value]
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(interval)


async def checkpoint_chain(checkpointer: Any, thread_id: str) -> list[dict[str, Any]]:
    """The thread's root checkpoints, newest first, as (id, parent id, step) dicts."""
    items = [c async for c in checkpointer.alist({"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}})]
    return [
        {
            "id": c.checkpoint["id"],
            "parent": (c.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
            "step": c.metadata.get("step"),
        }
        for c in items
    ]


def assert_linear_chain(chain: list[dict[str, Any]]) -> None:
    """One consistent chain: each checkpoint's parent is the one before it, steps consecutive."""
    assert chain, "no checkpoints"
    ordered = list(reversed(chain))
    assert ordered[0]["parent"] is None, ordered[0]
    for previous, current in zip(ordered, ordered[1:]):
        assert current["parent"] == previous["id"], (previous, current)
        assert current["step"] == previous["step"] + 1, (previous, current)
    assert len({c["id"] for c in chain}) == len(chain)


async def system_assistant_id(client: Any, graph_id: str) -> str:
    """The UUID of the graph's default assistant: the assistant routes take UUIDs only (422 else)."""
    for assistant in await client.assistants.search(graph_id=graph_id, limit=100):
        if (assistant.get("metadata") or {}).get("created_by") == "system":
            return str(assistant["assistant_id"])
    raise LookupError(f"no system assistant for graph {graph_id!r}")
