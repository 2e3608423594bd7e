"""Persistence activities: the run's projection rows and its checkpoints.

Each is an idempotent upsert keyed by run id or checkpoint id, so a retry (or a replayed local
activity after a worker crash) writes the same thing twice harmlessly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio import activity

from activities.messages import (
    FinishRun,
    PendingWrite,
    RollBackRun,
    SaveStep,
    StartRun,
    StoredCheckpoint,
    dump_typed,
    load_typed,
)
from activities.storage import Database, RunRow
from activities.storage import queries
from activities.storage.removal import delete_run_data, delete_thread_data
from activities.wire import jsonable

log = logging.getLogger(__name__)


def _config(thread_id: str, checkpoint_ns: str, checkpoint_id: str | None) -> dict[str, Any]:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


class PersistenceActivities:
    """Activities that write the read model and the checkpoint store; they own the database."""

    def __init__(self, db: Database, on_run_finished: Callable[[str], Awaitable[None]] | None = None) -> None:
        self.db = db
        # Told when a run ends on this worker (with its workflow id): what factories opened for it closes.
        self._on_run_finished = on_run_finished

    @activity.defn
    async def start_run(self, start: StartRun) -> StoredCheckpoint | None:
        """Mark the run running and its thread busy; return the checkpoint the run starts from."""
        async with self.db.session() as session:
            await queries.upsert_started_run(
                session,
                RunRow(
                    run_id=start.run_id,
                    thread_id=start.thread_id,
                    assistant_id=start.assistant_id,
                    status="running",
                    meta=start.metadata,
                    kwargs=start.kwargs,
                    multitask_strategy=start.multitask_strategy,
                ),
            )
            await queries.mark_thread_busy(session, start.thread_id, start.graph_id, start.assistant_id)
        assert self.db.checkpointer is not None
        found = await self.db.checkpointer.aget_tuple(_config(start.thread_id, "", start.checkpoint_id))
        if found is None:
            return None
        parent = (found.parent_config or {}).get("configurable", {}).get("checkpoint_id")
        return StoredCheckpoint(
            checkpoint_id=found.checkpoint["id"],
            checkpoint=dump_typed(found.checkpoint),
            metadata=dump_typed(found.metadata),
            parent_checkpoint_id=parent,
            pending_writes=[PendingWrite(t, c, dump_typed(v)) for t, c, v in found.pending_writes or []],
        )

    @activity.defn
    async def save_step(self, step: SaveStep) -> None:
        """Persist a run's task writes, then its checkpoints (same ids, same content on a retry)."""
        await self._save(step)

    async def _save(self, step: SaveStep) -> None:
        saver = self.db.checkpointer
        assert saver is not None
        for save in step.writes:
            await saver.aput_writes(
                _config(save.thread_id, save.checkpoint_ns, save.checkpoint_id),
                [(channel, load_typed(value)) for channel, value in save.writes],
                save.task_id,
                save.task_path,
            )
        for save_cp in step.checkpoints:
            await saver.aput(
                _config(save_cp.thread_id, save_cp.checkpoint_ns, save_cp.parent_checkpoint_id),
                load_typed(save_cp.checkpoint),
                load_typed(save_cp.metadata),
                save_cp.new_versions,
            )

    @activity.defn
    async def finish_run(self, finish: FinishRun) -> None:
        """Record the run's outcome and the thread's resulting status and values."""
        if self._on_run_finished is not None:
            await self._on_run_finished(activity.info().workflow_id)
        if finish.step is not None and not finish.delete_thread:
            # Before the outcome: a reader that sees the run finished finds its last checkpoint.
            await self._save(finish.step)
        if finish.delete_thread:
            await delete_thread_data(self.db, finish.thread_id)
            log.info("run %s finished (%s); its temporary thread %s was deleted", finish.run_id, finish.status, finish.thread_id)
            return
        async with self.db.session() as session:
            await queries.set_run_status_only(session, finish.run_id, finish.status)
            if not finish.started:
                return
            found = await queries.record_run_end_on_thread(
                session, finish.thread_id, finish.run_id, finish.status,
                interrupted=bool(finish.interrupts) or finish.has_pending_nodes,
                values=jsonable(finish.values) if finish.values is not None else None,
                interrupts=finish.interrupts, error=finish.error,
            )
            if not found:
                return
        log.info("run %s on thread %s finished: %s", finish.run_id, finish.thread_id, finish.status)

    @activity.defn
    async def roll_back_run(self, roll_back: RollBackRun) -> None:
        """Delete a stopped run's checkpoints and its row (idempotent: a retry finds nothing left)."""
        removed = await delete_run_data(self.db, roll_back.thread_id, roll_back.run_id)
        log.info("run %s rolled back (%d checkpoints removed)", roll_back.run_id, removed)

