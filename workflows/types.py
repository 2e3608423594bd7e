"""Pure inputs, results and id helpers shared by the API, the workflows and the activities.

Workflow inputs are their own frozen dataclasses (never API schemas or ORM rows), so an API change
cannot break the replay of a running workflow.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

Json = Any
Metadata = dict[str, Any]

TASK_QUEUE = "agent-server"
# Namespace of the official server for a graph's default assistant id.
ASSISTANT_NAMESPACE = uuid.UUID("6ba7b821-9dad-11d1-80b4-00c04fd430c8")

THREAD_WORKFLOW_PREFIX = "thread-"
RUN_WORKFLOW_PREFIX = "run-"


def thread_workflow_id(thread_id: str) -> str:
    """Workflow id of a thread's admission workflow."""
    return f"{THREAD_WORKFLOW_PREFIX}{thread_id}"


def run_workflow_id(run_id: str) -> str:
    """Workflow id of a run's workflow."""
    return f"{RUN_WORKFLOW_PREFIX}{run_id}"


def default_assistant_id(graph_id: str) -> str:
    """The default assistant of a graph, as the official server derives it."""
    return str(uuid.uuid5(ASSISTANT_NAMESPACE, graph_id))


def uuid7(unix_ms: int | None = None, rand: bytes | None = None) -> str:
    """A time-ordered UUID (RFC 9562 version 7); both parts injectable for determinism."""
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    tail = int.from_bytes(rand if rand is not None else os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((tail >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= tail & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))


def uuid7_time(value: str) -> datetime:
    """When a version 7 UUID was minted (its millisecond timestamp), in UTC."""
    return datetime.fromtimestamp((uuid.UUID(value).int >> 80) / 1000, tz=timezone.utc)


# 100-ns intervals between the Gregorian epoch (UUID v1/v6 clock) and the Unix epoch.
_GREGORIAN_OFFSET = 0x01B21DD213814000


def uuid6_from(timestamp_100ns: int, clock_seq: int, node: int) -> str:
    """A version 6 UUID (the format of LangGraph checkpoint ids) from explicit parts."""
    ts = (timestamp_100ns + _GREGORIAN_OFFSET) & ((1 << 60) - 1)
    value = (ts >> 12) << 80
    value |= 0x6 << 76
    value |= (ts & 0xFFF) << 64
    value |= 0b10 << 62
    value |= (clock_seq & 0x3FFF) << 48
    value |= node & ((1 << 48) - 1)
    return str(uuid.UUID(int=value))


def uuid6_timestamp(value: str) -> int:
    """The 100-ns Unix timestamp inside a version 6 UUID (inverse of `uuid6_from`)."""
    n = uuid.UUID(value).int
    ts = ((n >> 80) << 12) | ((n >> 64) & 0xFFF)
    return ts - _GREGORIAN_OFFSET


@dataclass(frozen=True)
class RunInput:
    """Everything a run workflow needs; built once by the API and never changed."""

    run_id: str
    thread_id: str
    assistant_id: str
    graph_id: str
    input: Json = None
    command: Json = None
    config: Metadata = field(default_factory=dict)
    context: Metadata = field(default_factory=dict)
    metadata: Metadata = field(default_factory=dict)
    # `str` first: Temporal's converter tries a union's types in order, and would read "*" as ["*"].
    interrupt_before: str | list[str] | None = None
    interrupt_after: str | list[str] | None = None
    checkpoint_id: str | None = None
    multitask_strategy: str = "enqueue"
    # The run's `kwargs` as the API shows them (kept so the workflow can restore a lost row).
    kwargs: Metadata = field(default_factory=dict)
    # True when the run was queued behind another one: it waits for `begin` from its thread.
    wait_for_turn: bool = False
    # A delayed start (`after_seconds`): a durable timer, nothing runs or polls while it waits.
    after_seconds: float | None = None
    # A stateless run's temporary thread, deleted with its checkpoints when the run ends.
    temporary: bool = False
    # Attempts at calling `kwargs["webhook"]` once the run has ended (WEBHOOK_MAX_ATTEMPTS).
    webhook_attempts: int = 5


@dataclass(frozen=True)
class RunResult:
    """What a run returns to `join`/`wait`: its final status and the thread's values."""

    status: str
    values: Json = None
    error: Json = None


@dataclass(frozen=True)
class SubmitRun:
    """The update a create request sends to its thread's admission workflow."""

    run: RunInput
    multitask_strategy: str = "enqueue"
    search_attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Admission:
    """The admission workflow's answer: whether the run starts now or waits in the queue."""

    run_id: str
    queued: bool
