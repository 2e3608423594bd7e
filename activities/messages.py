"""Typed (LangGraph serde) payloads for checkpoints and writes crossing the activity boundary.

Checkpoints may hold any type a graph's state uses, so they travel as LangGraph's own typed
serialization (the format the checkpointer stores), base64 inside JSON.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

_serde = JsonPlusSerializer()

Typed = tuple[str, str]


def dump_typed(value: Any) -> Typed:
    kind, data = _serde.dumps_typed(value)
    return kind, base64.b64encode(data).decode()


def load_typed(typed: Typed | list[str]) -> Any:
    kind, data = typed
    return _serde.loads_typed((kind, base64.b64decode(data)))


@dataclass(frozen=True)
class PendingWrite:
    task_id: str
    channel: str
    value: Typed


@dataclass(frozen=True)
class StoredCheckpoint:
    """A checkpoint as read from the store, with the writes pending on it."""

    checkpoint_id: str
    checkpoint: Typed
    metadata: Typed
    parent_checkpoint_id: str | None = None
    pending_writes: list[PendingWrite] = field(default_factory=list)


@dataclass(frozen=True)
class StartRun:
    run_id: str
    thread_id: str
    assistant_id: str
    graph_id: str
    checkpoint_id: str | None
    # The run row, for the case the API crashed between admission and writing it.
    kwargs: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)
    multitask_strategy: str = "enqueue"


@dataclass(frozen=True)
class SaveCheckpoint:
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    parent_checkpoint_id: str | None
    checkpoint: Typed
    metadata: Typed
    new_versions: dict[str, Any]


@dataclass(frozen=True)
class SaveWrites:
    thread_id: str
    checkpoint_ns: str
    checkpoint_id: str
    task_id: str
    task_path: str
    writes: list[tuple[str, Typed]]


@dataclass(frozen=True)
class SaveStep:
    """What a run wrote since its last save: task writes, then checkpoints in the order made."""

    writes: list[SaveWrites] = field(default_factory=list)
    checkpoints: list[SaveCheckpoint] = field(default_factory=list)


@dataclass(frozen=True)
class FinishRun:
    run_id: str
    thread_id: str
    status: str
    values: Any = None
    interrupts: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    # The latest checkpoint still has nodes to run (a static interrupt): the thread is `interrupted`.
    has_pending_nodes: bool = False
    # False when the run ended before it started (cancelled while queued or delayed).
    started: bool = True
    # Delete the (temporary) thread with its runs and checkpoints.
    delete_thread: bool = False
    # The run's last unsaved writes and checkpoints, stored before its outcome is (one local
    # activity instead of two).
    step: SaveStep | None = None


@dataclass(frozen=True)
class RollBackRun:
    """Delete a stopped run and the checkpoints it wrote (multitask `rollback`)."""

    thread_id: str
    run_id: str
