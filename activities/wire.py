"""Turn LangGraph values and state snapshots into the JSON the official server sends.

Pure functions (no FastAPI, no Temporal): the API uses them for responses, the activities for the
searchable `values` column, the run workflow for its live `state` query.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel


def jsonable(value: Any) -> Any:
    """A JSON-compatible copy of `value`, with LangChain messages as the official server writes them."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, BaseModel):
        return jsonable(value.model_dump())
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (UUID, Enum)):
        return str(value.value if isinstance(value, Enum) else value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if hasattr(value, "_asdict"):
        return jsonable(value._asdict())
    return str(value)


def interrupt_to_wire(interrupt: Any) -> dict[str, Any]:
    return {"value": jsonable(getattr(interrupt, "value", None)), "id": getattr(interrupt, "id", None)}


def checkpoint_of_config(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A checkpoint's config as the official API names it (`checkpoint`, `parent_checkpoint`)."""
    if not config:
        return None
    conf = config.get("configurable", {})
    if not conf.get("checkpoint_id"):
        return None
    found = {
        "thread_id": conf.get("thread_id"),
        "checkpoint_ns": conf.get("checkpoint_ns", ""),
        "checkpoint_id": conf.get("checkpoint_id"),
    }
    if conf.get("checkpoint_map"):
        found["checkpoint_map"] = conf["checkpoint_map"]
    return found


def snapshot_to_wire(snapshot: Any) -> dict[str, Any]:
    """A LangGraph `StateSnapshot` as the official `ThreadState`."""
    tasks = []
    for task in snapshot.tasks or ():
        tasks.append(
            {
                "id": task.id,
                "name": task.name,
                "path": jsonable(getattr(task, "path", ())),
                # A checkpoint read back holds the error as the text LangGraph saved (`repr` of it).
                "error": None if task.error is None else task.error if isinstance(task.error, str) else repr(task.error),
                "interrupts": [interrupt_to_wire(i) for i in task.interrupts or ()],
                "checkpoint": checkpoint_of_config(task.state) if isinstance(task.state, Mapping) else None,
                "state": snapshot_to_wire(task.state) if task.state is not None and not isinstance(task.state, Mapping) else None,
                "result": jsonable(getattr(task, "result", None)),
            }
        )
    checkpoint = checkpoint_of_config(snapshot.config)
    parent = checkpoint_of_config(snapshot.parent_config)
    return {
        "values": jsonable(snapshot.values),
        "next": list(snapshot.next or ()),
        "tasks": tasks,
        "checkpoint": checkpoint,
        "metadata": jsonable(snapshot.metadata or {}),
        "created_at": snapshot.created_at,
        "parent_checkpoint": parent,
        "interrupts": [interrupt_to_wire(i) for i in getattr(snapshot, "interrupts", ()) or ()],
        # The official `ThreadState` repeats both ids at the top level.
        "checkpoint_id": checkpoint["checkpoint_id"] if checkpoint else None,
        "parent_checkpoint_id": parent["checkpoint_id"] if parent else None,
    }


def empty_state() -> dict[str, Any]:
    """The state of a thread that has no checkpoint yet."""
    return {
        "values": {},
        "next": [],
        "tasks": [],
        "checkpoint": None,
        "metadata": None,
        "created_at": None,
        "parent_checkpoint": None,
        "interrupts": [],
        "checkpoint_id": None,
        "parent_checkpoint_id": None,
    }
