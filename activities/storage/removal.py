"""What deleting a thread or rolling back a run removes, in one place for the API and the activities:
our rows and LangGraph's checkpoints (the Temporal side is the caller's business)."""

from __future__ import annotations

from activities.storage import queries
from activities.storage.checkpoints import delete_run_checkpoints
from activities.storage.database import Database


async def delete_thread_data(db: Database, thread_id: str) -> None:
    """The thread's row, its runs' rows and all its checkpoints."""
    async with db.session() as session:
        await queries.delete_thread(session, thread_id)
    assert db.checkpointer is not None
    await db.checkpointer.adelete_thread(thread_id)


async def delete_run_data(db: Database, thread_id: str, run_id: str) -> int:
    """The run's row and the checkpoints it wrote; returns how many checkpoints went."""
    assert db.checkpointer is not None
    removed = await delete_run_checkpoints(db.checkpointer, thread_id, run_id)
    async with db.session() as session:
        await queries.delete_run(session, run_id)
    return removed
