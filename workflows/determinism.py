"""Deterministic ids for LangGraph code running inside a workflow.

LangGraph mints checkpoint ids with a wall-clock uuid6, message ids with `uuid4` and channel
versions with `random`; inside a workflow those change on every replay (temporal-facts.md pitfall
10), so a worker crash would fork the thread's checkpoint chain. While a run's graph executes, a
context variable holds an `IdSource` fed by `workflow.now()`/`workflow.random()`, and the patched
LangGraph call sites draw from it. Outside a workflow the original functions are used unchanged.

This module must be imported as a pass-through module so the context variable is shared.
"""

from __future__ import annotations

import contextvars
import uuid as _uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from workflows.types import uuid6_from, uuid6_timestamp


class IdSource:
    """Strictly increasing uuid6 values and uuid4 values from deterministic inputs."""

    def __init__(self, now_100ns: Callable[[], int], randbits: Callable[[int], int]) -> None:
        self._now = now_100ns
        self._randbits = randbits
        self._last = 0

    def observe(self, checkpoint_id: str | None) -> None:
        """Never mint an id that sorts before one the thread already has."""
        if checkpoint_id:
            self._last = max(self._last, uuid6_timestamp(checkpoint_id))

    def uuid6(self, clock_seq: int | None = None) -> _uuid.UUID:
        ts = max(self._now(), self._last + 1)
        self._last = ts
        seq = self._randbits(14) if clock_seq is None else clock_seq
        return _uuid.UUID(uuid6_from(ts, seq, self._randbits(48)))

    def uuid4(self) -> _uuid.UUID:
        return _uuid.UUID(int=self._randbits(128), version=4)


_current: contextvars.ContextVar[IdSource | None] = contextvars.ContextVar(
    "agent_server_id_source", default=None
)


@contextmanager
def deterministic_ids(source: IdSource) -> Iterator[IdSource]:
    """Route LangGraph's id generation to `source` for the code run inside this block."""
    token = _current.set(source)
    try:
        yield source
    finally:
        _current.reset(token)


_installed = False


def install() -> None:
    """Patch LangGraph's id call sites once per process (idempotent)."""
    global _installed
    if _installed:
        return
    from langgraph.graph import message as lg_message
    from langgraph.pregel import _checkpoint as lg_checkpoint

    original_uuid6 = lg_checkpoint.uuid6

    def uuid6(node: int | None = None, clock_seq: int | None = None) -> _uuid.UUID:
        source = _current.get()
        if source is None:
            return original_uuid6(node=node, clock_seq=clock_seq)
        return source.uuid6(clock_seq)

    def uuid4() -> _uuid.UUID:
        source = _current.get()
        return _uuid.uuid4() if source is None else source.uuid4()

    lg_checkpoint.uuid6 = uuid6  # type: ignore[assignment]
    # `message.py` calls `uuid.uuid4()` through the module; give it a namespace with ours.
    shim: Any = SimpleNamespace(**{k: getattr(_uuid, k) for k in dir(_uuid) if not k.startswith("__")})
    shim.uuid4 = uuid4
    lg_message.uuid = shim  # type: ignore[attr-defined]
    _installed = True


def current() -> IdSource | None:
    """The id source of the running graph, if any."""
    return _current.get()
