"""Vocabulary shared by the resource schemas (the SDK's `schema.py` names and values)."""

from __future__ import annotations

from typing import Any, Literal

Json = Any
Metadata = dict[str, Any]

RunStatus = Literal["pending", "running", "error", "success", "timeout", "interrupted"]
ThreadStatus = Literal["idle", "busy", "interrupted", "error"]
MultitaskStrategy = Literal["reject", "interrupt", "rollback", "enqueue"]
IfNotExists = Literal["create", "reject"]
IfExists = Literal["raise", "do_nothing"]
OnCompletion = Literal["delete", "keep"]
Durability = Literal["sync", "async", "exit"]
SortOrder = Literal["asc", "desc"]
StreamMode = Literal[
    "values", "messages", "messages-tuple", "updates", "events", "debug", "custom", "tasks", "checkpoints",
    "tools", "lifecycle",
]
