"""The checkpointer a run's graph uses inside its workflow.

It keeps the checkpoints of the current run in memory (so the live `state` query needs no I/O).
The checkpoints and task writes made since the last save travel together in one local activity
just before a node's activity is scheduled (`flush`, called by every node), and the last ones with
the run's outcome (`finish_run`): the database holds every checkpoint that precedes a running
node, and a run of N activity nodes costs N+1 saves, however many supersteps and writes it makes.
Until then Temporal's history holds them (a replay regenerates the same ones). Channel versions
come from `workflow.random()`, and checkpoint ids from the run's deterministic id source, so a
replay after a worker crash rebuilds exactly the chain that is already stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from langgraph.checkpoint.base import (
        BaseCheckpointSaver,
        ChannelVersions,
        Checkpoint,
        CheckpointMetadata,
        CheckpointTuple,
        get_checkpoint_metadata,
    )
    from langchain_core.runnables import RunnableConfig

    from activities.messages import SaveCheckpoint, SaveStep, SaveWrites, StoredCheckpoint, dump_typed, load_typed
    from activities.persistence import PersistenceActivities

_PERSIST_TIMEOUT = timedelta(seconds=30)

# The checkpointer of the run whose graph is executing (set by the run workflow): the node stubs
# flush it before they schedule their activity.
current_checkpointer: ContextVar["WorkflowCheckpointer | None"] = ContextVar("current_checkpointer", default=None)


def _conf(config: RunnableConfig) -> dict[str, Any]:
    return dict(config.get("configurable") or {})


class WorkflowCheckpointer(BaseCheckpointSaver[str]):
    """A write-through, in-memory saver for one thread, persisting via local activities."""

    def __init__(self, thread_id: str, forked_from: str | None = None) -> None:
        super().__init__()
        self.thread_id = thread_id
        # The checkpoint a run started from when it was asked to (a fork or a replay): the official
        # server names it in the metadata of every checkpoint the run writes.
        self.forked_from = forked_from
        self._tuples: dict[tuple[str, str], CheckpointTuple] = {}
        self._latest: dict[str, str] = {}
        # Task writes and checkpoints wait here until the next save (before a node, or at the end).
        self._unsaved_writes: list[SaveWrites] = []
        self._unsaved_checkpoints: list[SaveCheckpoint] = []
        # Parallel nodes flush together: one waits for the save in flight instead of racing it.
        self._saving = asyncio.Lock()

    def seed(self, stored: StoredCheckpoint) -> None:
        """Start from a checkpoint read from the store."""
        config: RunnableConfig = {
            "configurable": {"thread_id": self.thread_id, "checkpoint_ns": "", "checkpoint_id": stored.checkpoint_id}
        }
        parent: RunnableConfig | None = None
        if stored.parent_checkpoint_id:
            parent = {
                "configurable": {
                    "thread_id": self.thread_id,
                    "checkpoint_ns": "",
                    "checkpoint_id": stored.parent_checkpoint_id,
                }
            }
        self._tuples[("", stored.checkpoint_id)] = CheckpointTuple(
            config=config,
            checkpoint=load_typed(stored.checkpoint),
            metadata=load_typed(stored.metadata),
            parent_config=parent,
            pending_writes=[(w.task_id, w.channel, load_typed(w.value)) for w in stored.pending_writes],
        )
        self._latest[""] = stored.checkpoint_id

    @property
    def latest(self) -> CheckpointTuple | None:
        """The newest checkpoint of the root graph in this run."""
        checkpoint_id = self._latest.get("")
        return None if checkpoint_id is None else self._tuples.get(("", checkpoint_id))

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """From memory: safe in a (read-only, synchronous) query handler."""
        conf = _conf(config)
        ns = conf.get("checkpoint_ns", "")
        checkpoint_id = conf.get("checkpoint_id") or self._latest.get(ns)
        if checkpoint_id is None:
            return None
        return self._tuples.get((ns, checkpoint_id))

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self.get_tuple(config)

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        ns = _conf(config or {}).get("checkpoint_ns", "")
        items = sorted((t for (n, _), t in self._tuples.items() if n == ns), key=lambda t: t.checkpoint["id"], reverse=True)
        for item in items[:limit] if limit else items:
            yield item

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        # As LangGraph's own savers do: the run's metadata (run_id, graph_id, ...) joins the checkpoint's.
        # The thread too, as the official server records it (LangGraph's helper leaves it out).
        metadata = {**get_checkpoint_metadata(config, metadata), "thread_id": self.thread_id}
        if self.forked_from:
            metadata["checkpoint_id"] = self.forked_from
        conf = _conf(config)
        ns = conf.get("checkpoint_ns", "")
        parent_id = conf.get("checkpoint_id")
        new_config: RunnableConfig = {
            "configurable": {"thread_id": self.thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}
        }
        parent_config: RunnableConfig | None = None
        if parent_id:
            parent_config = {
                "configurable": {"thread_id": self.thread_id, "checkpoint_ns": ns, "checkpoint_id": parent_id}
            }
        self._tuples[(ns, checkpoint["id"])] = CheckpointTuple(new_config, checkpoint, metadata, parent_config, [])
        self._latest[ns] = checkpoint["id"]
        self._unsaved_checkpoints.append(
            SaveCheckpoint(
                thread_id=self.thread_id,
                checkpoint_ns=ns,
                checkpoint_id=checkpoint["id"],
                parent_checkpoint_id=parent_id,
                checkpoint=dump_typed(checkpoint),
                metadata=dump_typed(metadata),
                new_versions=dict(new_versions),
            )
        )
        return new_config

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        conf = _conf(config)
        ns = conf.get("checkpoint_ns", "")
        checkpoint_id = conf["checkpoint_id"]
        current = self._tuples.get((ns, checkpoint_id))
        if current is not None:
            kept = [w for w in current.pending_writes or [] if w[0] != task_id]
            new = [(task_id, channel, value) for channel, value in writes]
            self._tuples[(ns, checkpoint_id)] = current._replace(pending_writes=kept + new)
        self._unsaved_writes.append(
            SaveWrites(
                thread_id=self.thread_id,
                checkpoint_ns=ns,
                checkpoint_id=checkpoint_id,
                task_id=task_id,
                task_path=task_path,
                writes=[(channel, dump_typed(value)) for channel, value in writes],
            )
        )

    def take_unsaved(self) -> SaveStep | None:
        """What no save has carried yet (None when nothing); the caller stores it."""
        if not self._unsaved_writes and not self._unsaved_checkpoints:
            return None
        step = SaveStep(writes=self._unsaved_writes, checkpoints=self._unsaved_checkpoints)
        self._unsaved_writes, self._unsaved_checkpoints = [], []
        return step

    async def flush(self) -> None:
        """Store the writes and checkpoints made since the last save (before a node runs)."""
        async with self._saving:
            step = self.take_unsaved()
            if step is None:
                return
            try:
                await workflow.execute_local_activity_method(
                    PersistenceActivities.save_step, step, start_to_close_timeout=_PERSIST_TIMEOUT
                )
            except BaseException:
                # Not stored (the run was cancelled during the save, or it failed): keep it for the
                # next save, the one the run's end makes, so no checkpoint is missing from the store.
                self._unsaved_writes[:0] = step.writes
                self._unsaved_checkpoints[:0] = step.checkpoints
                raise

    def get_next_version(self, current: str | None, channel: None) -> str:
        # The store's own format ("<counter>.<random>"), with the random part from the workflow.
        if current is None:
            current_v = 0
        elif isinstance(current, int):
            current_v = current
        else:
            current_v = int(str(current).split(".")[0])
        return f"{current_v + 1:032}.{workflow.random().random():016}"

    # Writes go through local activities, which only the async interface can await.
    def put(self, *args: Any, **kwargs: Any) -> RunnableConfig:
        raise NotImplementedError("use aput inside workflows")

    def put_writes(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("use aput_writes inside workflows")
