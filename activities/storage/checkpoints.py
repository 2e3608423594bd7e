"""Thread-level operations on LangGraph's checkpoint store that its savers do not all provide.

`AsyncPostgresSaver` implements pruning; `AsyncSqliteSaver` implements neither copying nor pruning.
Copying goes through the saver's public interface (so it works for any saver); pruning uses the
PostgreSQL saver's own method or, on SQLite, two statements on its documented tables.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver


def _is_sqlite(saver: BaseCheckpointSaver[str]) -> bool:
    """The SQLite saver lacks pruning and run deletion; we run SQL on its tables (`conn`, `lock`)."""
    return type(saver).__name__ == "AsyncSqliteSaver"


async def copy_thread(saver: BaseCheckpointSaver[str], source: str, target: str) -> int:
    """Copy every checkpoint (same ids, same parents) and pending write of `source` to `target`."""
    tuples = [t async for t in saver.alist({"configurable": {"thread_id": source}})]
    # Oldest first, so each checkpoint's parent exists before it (ids are time-ordered).
    for item in sorted(tuples, key=lambda t: t.checkpoint["id"]):
        conf = item.config["configurable"]
        ns = conf.get("checkpoint_ns", "")
        parent_id = (item.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        parent: dict[str, Any] = {"thread_id": target, "checkpoint_ns": ns}
        if parent_id:
            parent["checkpoint_id"] = parent_id
        stored = await saver.aput(
            {"configurable": parent},
            item.checkpoint,
            # The copy's checkpoints belong to the copy (the official copy names it in their metadata).
            {**item.metadata, "thread_id": target} if "thread_id" in item.metadata else item.metadata,
            dict(item.checkpoint.get("channel_versions", {})),
        )
        by_task: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for task_id, channel, value in item.pending_writes or ():
            by_task[task_id].append((channel, value))
        for task_id, writes in by_task.items():
            await saver.aput_writes(stored, writes, task_id)
    return len(tuples)


async def keep_latest_checkpoint(saver: BaseCheckpointSaver[str], thread_ids: list[str]) -> None:
    """Delete all but the newest checkpoint of each namespace of these threads (and their writes)."""
    if not thread_ids:
        return
    if not _is_sqlite(saver):
        await saver.aprune(thread_ids, strategy="keep_latest")
        return
    conn = saver.conn  # type: ignore[attr-defined]
    async with saver.lock:  # type: ignore[attr-defined]
        for thread_id in thread_ids:
            keep = (
                "SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = ? GROUP BY checkpoint_ns"
            )
            await conn.execute(
                f"DELETE FROM writes WHERE thread_id = ? AND checkpoint_id NOT IN ({keep})", (thread_id, thread_id)
            )
            await conn.execute(
                f"DELETE FROM checkpoints WHERE thread_id = ? AND checkpoint_id NOT IN ({keep})",
                (thread_id, thread_id),
            )
        await conn.commit()


async def storage_of_thread(saver: BaseCheckpointSaver[str], thread_id: str) -> dict[str, Any]:
    """Sizes of what the thread holds in the store (the official `ThreadStorage`), in serialized bytes."""
    checkpoints = channel_values = pending = 0
    count = 0
    async for item in saver.alist({"configurable": {"thread_id": thread_id}}):
        count += 1
        values = item.checkpoint.get("channel_values", {})
        checkpoint_only = {k: v for k, v in item.checkpoint.items() if k != "channel_values"}
        checkpoints += len(saver.serde.dumps_typed(checkpoint_only)[1])
        channel_values += sum(len(saver.serde.dumps_typed(v)[1]) for v in values.values())
        pending += sum(len(saver.serde.dumps_typed(v)[1]) for _t, _c, v in item.pending_writes or ())
    return {
        "thread_id": thread_id,
        "total_bytes": checkpoints + channel_values + pending,
        "checkpoints": {"count": count, "bytes": checkpoints},
        "channel_values": {"bytes": channel_values},
        "pending_writes": {"bytes": pending},
    }


async def delete_run_checkpoints(saver: BaseCheckpointSaver[str], thread_id: str, run_id: str) -> int:
    """Delete the checkpoints a run wrote (their metadata carries its `run_id`) and their writes."""
    ids = [
        t.checkpoint["id"]
        async for t in saver.alist({"configurable": {"thread_id": thread_id}}, filter={"run_id": run_id})
    ]
    if not ids:
        return 0
    if _is_sqlite(saver):
        conn = saver.conn  # type: ignore[attr-defined]
        marks = ",".join("?" * len(ids))
        async with saver.lock:  # type: ignore[attr-defined]
            for table in ("writes", "checkpoints"):
                await conn.execute(
                    f"DELETE FROM {table} WHERE thread_id = ? AND checkpoint_id IN ({marks})", (thread_id, *ids)
                )
            await conn.commit()
    else:
        async with saver._cursor() as cur:  # type: ignore[attr-defined]
            for table in ("checkpoint_writes", "checkpoints"):
                await cur.execute(
                    f"DELETE FROM {table} WHERE thread_id = %s AND checkpoint_id = ANY(%s)", (thread_id, ids)
                )
    return len(ids)


class ThreadNamingSaver(BaseCheckpointSaver[str]):
    """The store's saver, as the API writes through it (state updates, supersteps): each checkpoint's
    metadata names its thread, as a run's checkpoints do (LangGraph's savers leave `thread_id` out
    of the metadata; the official server puts it in). Reads go straight to the saver."""

    def __init__(self, saver: BaseCheckpointSaver[str]) -> None:
        super().__init__(serde=saver.serde)
        self.saver = saver

    async def aget_tuple(self, config: Any) -> Any:
        return await self.saver.aget_tuple(config)

    def alist(self, config: Any, **kwargs: Any) -> Any:
        return self.saver.alist(config, **kwargs)

    async def aput(self, config: Any, checkpoint: Any, metadata: Any, new_versions: Any) -> Any:
        thread_id = (config.get("configurable") or {}).get("thread_id")
        named = {**metadata, "thread_id": thread_id} if thread_id else metadata
        return await self.saver.aput(config, checkpoint, named, new_versions)

    async def aput_writes(self, config: Any, writes: Any, task_id: str, task_path: str = "") -> None:
        await self.saver.aput_writes(config, writes, task_id, task_path)

    def get_next_version(self, current: Any, channel: Any) -> Any:
        return self.saver.get_next_version(current, channel)
