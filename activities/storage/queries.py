"""Queries over our tables. Functions return rows or None; they never raise HTTP errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.storage.tables import AssistantRow, RunRow, ThreadRow, utcnow
from workflows.status import ACTIVE_RUN_STATUSES


def _json_filter(column: Any, wanted: dict[str, Any], dialect: str) -> list[Any]:
    """Conditions meaning `column` contains every key/value of `wanted`."""
    if not wanted:
        return []
    if dialect == "postgresql":
        return [column.op("@>")(bindparam(None, wanted, type_=JSONB))]
    conditions = []
    for key, value in wanted.items():
        path = "$." + json.dumps(key)
        if isinstance(value, (dict, list)):
            conditions.append(func.json(func.json_extract(column, path)) == json.dumps(value, separators=(",", ":")))
        elif value is None:
            conditions.append(func.json_type(column, path) == "null")
        elif isinstance(value, bool):
            conditions.append(func.json_extract(column, path) == (1 if value else 0))
        else:
            conditions.append(func.json_extract(column, path) == value)
    return conditions


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


# --- assistants -------------------------------------------------------------------------------


async def upsert_default_assistant(session: AsyncSession, assistant_id: str, graph_id: str) -> None:
    """Make sure the graph's default assistant exists (idempotent)."""
    if await session.get(AssistantRow, assistant_id) is None:
        session.add(
            AssistantRow(
                assistant_id=assistant_id,
                graph_id=graph_id,
                name=graph_id,
                config={},
                context={},
                meta={"created_by": "system"},
            )
        )


async def get_assistant(session: AsyncSession, assistant_id: str) -> AssistantRow | None:
    return await session.get(AssistantRow, assistant_id)


async def search_assistants(
    session: AsyncSession,
    *,
    graph_id: str | None,
    name: str | None,
    metadata: dict[str, Any],
    limit: int,
    offset: int,
    sort_by: str,
    sort_order: str,
) -> Sequence[AssistantRow]:
    query = select(AssistantRow)
    if graph_id:
        query = query.where(AssistantRow.graph_id == graph_id)
    if name:
        query = query.where(col(AssistantRow.name).contains(name))
    for condition in _json_filter(AssistantRow.__table__.c.metadata, metadata, _dialect(session)):
        query = query.where(condition)
    order = getattr(AssistantRow, sort_by)
    query = query.order_by(order.desc() if sort_order == "desc" else order.asc())
    return (await session.exec(query.offset(offset).limit(limit))).all()


# --- threads ----------------------------------------------------------------------------------


async def get_thread(session: AsyncSession, thread_id: str) -> ThreadRow | None:
    return await session.get(ThreadRow, thread_id)


async def search_threads(
    session: AsyncSession,
    *,
    ids: list[str] | None,
    metadata: dict[str, Any],
    values: dict[str, Any],
    status: str | None,
    limit: int,
    offset: int,
    sort_by: str,
    sort_order: str,
) -> Sequence[ThreadRow]:
    query = select(ThreadRow)
    if ids:
        query = query.where(col(ThreadRow.thread_id).in_(ids))
    if status:
        query = query.where(ThreadRow.status == status)
    dialect = _dialect(session)
    for condition in _json_filter(ThreadRow.__table__.c.metadata, metadata, dialect):
        query = query.where(condition)
    for condition in _json_filter(ThreadRow.__table__.c["values"], values, dialect):
        query = query.where(condition)
    order = getattr(ThreadRow, sort_by)
    query = query.order_by(order.desc() if sort_order == "desc" else order.asc())
    return (await session.exec(query.offset(offset).limit(limit))).all()


async def mark_thread_busy(session: AsyncSession, thread_id: str, graph_id: str, assistant_id: str) -> None:
    """A run started: the thread is busy and remembers which graph and assistant ran it."""
    thread = await session.get(ThreadRow, thread_id)
    if thread is None:
        return
    now = utcnow()
    thread.status = "busy"
    thread.updated_at = now
    meta = dict(thread.meta or {})
    if meta.get("graph_id") != graph_id or meta.get("assistant_id") != assistant_id:
        meta.update(graph_id=graph_id, assistant_id=assistant_id)
        thread.meta = meta
    session.add(thread)


async def has_other_active_runs(session: AsyncSession, thread_id: str, run_id: str) -> bool:
    query = (
        select(func.count())
        .select_from(RunRow)
        .where(RunRow.thread_id == thread_id, RunRow.run_id != run_id)
        .where(col(RunRow.status).in_(ACTIVE_RUN_STATUSES))
    )
    return bool((await session.exec(query)).one())


# --- runs -------------------------------------------------------------------------------------


async def get_run(session: AsyncSession, thread_id: str, run_id: str) -> RunRow | None:
    run = await session.get(RunRow, run_id)
    return run if run is not None and run.thread_id == thread_id else None


async def list_runs(
    session: AsyncSession, thread_id: str, *, limit: int, offset: int, status: str | None
) -> Sequence[RunRow]:
    query = select(RunRow).where(RunRow.thread_id == thread_id)
    if status:
        query = query.where(RunRow.status == status)
    # run ids are uuid7: ordering by id is ordering by creation, newest first.
    query = query.order_by(col(RunRow.run_id).desc()).offset(offset).limit(limit)
    return (await session.exec(query)).all()


async def set_run_status(session: AsyncSession, run_id: str, status: str) -> RunRow | None:
    run = await session.get(RunRow, run_id)
    if run is None:
        return None
    run.status = status
    run.updated_at = utcnow()
    session.add(run)
    return run



async def insert_run_if_missing(session: AsyncSession, row: RunRow) -> bool:
    """Insert the run's row unless it exists (the API and the workflow both write it)."""
    values = {c.name: getattr(row, "meta" if c.name == "metadata" else c.name) for c in RunRow.__table__.columns}
    if _dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    stmt = (
        insert(RunRow.__table__)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["run_id"])
        .returning(RunRow.__table__.c.run_id)
    )
    result = await session.exec(stmt)  # type: ignore[call-overload]
    return result.first() is not None


async def active_run(session: AsyncSession, thread_id: str) -> RunRow | None:
    """The thread's running run, else its oldest pending one."""
    query = (
        select(RunRow)
        .where(RunRow.thread_id == thread_id, col(RunRow.status).in_(ACTIVE_RUN_STATUSES))
        # "running" sorts after "pending": descending puts the running run first.
        .order_by(col(RunRow.status).desc(), col(RunRow.run_id).asc())
    )
    return (await session.exec(query)).first()


async def delete_thread(session: AsyncSession, thread_id: str) -> bool:
    """Delete a thread's row and its runs; returns whether the thread existed."""
    await session.exec(delete(RunRow).where(col(RunRow.thread_id) == thread_id))  # type: ignore[call-overload]
    thread = await session.get(ThreadRow, thread_id)
    if thread is None:
        return False
    await session.delete(thread)
    return True
