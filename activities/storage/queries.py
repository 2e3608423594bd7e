"""Queries over our tables. Functions return rows or None; they never raise HTTP errors."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, func, literal, or_, true, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.storage.tables import AssistantRow, AssistantVersionRow, RunRow, ThreadRow, ThreadStateUpdateRow, utcnow
from workflows.status import ACTIVE_RUN_STATUSES, thread_status_after_run

# Column handles for statements that must not load ORM rows (a thread's values can be megabytes).
_THREADS = ThreadRow.__table__.c  # type: ignore[attr-defined]
_RUNS = RunRow.__table__.c  # type: ignore[attr-defined]


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
            conditions.append(_sqlite_json_is(column, path, value))
        elif value is None:
            conditions.append(func.json_type(column, path) == "null")
        elif isinstance(value, bool):
            conditions.append(func.json_extract(column, path) == (1 if value else 0))
        else:
            conditions.append(func.json_extract(column, path) == value)
    return conditions


def _sqlite_json_is(column: Any, path: str, value: dict[str, Any] | list[Any]) -> Any:
    """SQLite: the object or list at `path` is `value` (json_extract gives them as minified JSON
    text; a scalar there is not one, and must not be parsed as JSON)."""
    kind = "object" if isinstance(value, dict) else "array"
    return and_(func.json_type(column, path) == kind, func.json_extract(column, path) == json.dumps(value, separators=(",", ":")))


def _json_equals(column: Any, key: str, value: Any, dialect: str) -> Any:
    """`column[key]` is present and equal to `value` (a JSON value)."""
    if dialect == "postgresql":
        return column.op("->")(key) == bindparam(None, value, type_=JSONB)
    path = "$." + json.dumps(key)
    if isinstance(value, (dict, list)):
        return _sqlite_json_is(column, path, value)
    if value is None:
        return func.json_type(column, path) == "null"
    if isinstance(value, bool):
        return func.json_type(column, path) == ("true" if value else "false")
    return func.json_extract(column, path) == value


def _json_list_holds(column: Any, key: str, wanted: Any, dialect: str) -> Any:
    """`column[key]` is a list holding `wanted` (every element of it, when it is a list)."""
    elements = wanted if isinstance(wanted, list) else [wanted]
    if dialect == "postgresql":
        held = column.op("->")(key)
        return and_(func.jsonb_typeof(held) == "array", held.op("@>")(bindparam(None, elements, type_=JSONB)))
    path = "$." + json.dumps(key)
    conditions = [func.json_type(column, path) == "array"]
    for element in elements:
        each = func.json_each(column, path).table_valued("value", "type").alias()
        if isinstance(element, (dict, list)):
            hit = and_(each.c.type == ("object" if isinstance(element, dict) else "array"), each.c.value == json.dumps(element, separators=(",", ":")))
        elif isinstance(element, bool):
            hit = each.c.type == ("true" if element else "false")
        elif element is None:
            hit = each.c.type == "null"
        else:
            hit = each.c.value == element
        conditions.append(exists(select(literal(1)).select_from(each).where(hit)))
    return and_(*conditions)


def metadata_filter(column: Any, filters: dict[str, Any] | None, dialect: str) -> Any:
    """An auth handler's filter (api/auth/filters.py, the same rules) as a condition on `column`."""
    if not filters:
        return true()
    conditions = []
    for op, join in (("$or", or_), ("$and", and_)):
        if op in filters:
            conditions.append(join(*(metadata_filter(column, group, dialect) for group in filters[op])))
    for key, value in filters.items():
        if key in ("$or", "$and"):
            continue
        if isinstance(value, dict):
            op, operand = next(iter(value.items()))
            if op == "$eq":
                conditions.append(_json_equals(column, key, operand, dialect))
            elif op == "$contains":
                conditions.append(_json_list_holds(column, key, operand, dialect))
        else:
            conditions.append(_json_equals(column, key, value, dialect))
    return and_(true(), *conditions)


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


# --- assistants -------------------------------------------------------------------------------


def _version_of(row: AssistantRow) -> AssistantVersionRow:
    return AssistantVersionRow(
        assistant_id=row.assistant_id,
        version=row.version,
        graph_id=row.graph_id,
        name=row.name,
        description=row.description,
        config=row.config,
        context=row.context,
        meta=row.meta,
        created_at=row.updated_at,
    )


async def upsert_default_assistant(
    session: AsyncSession, assistant_id: str, graph_id: str, name: str | None = None, description: str | None = None
) -> None:
    """Make sure the graph's default assistant exists (idempotent), named and described as the
    project says now (the compiled graph's name, langgraph.json's `description`)."""
    name = name or graph_id
    existing = await session.get(AssistantRow, assistant_id)
    if existing is not None:
        if existing.name != name or existing.description != description:
            existing.name, existing.description = name, description
            session.add(existing)
            version = await session.get(AssistantVersionRow, (assistant_id, existing.version))
            if version is not None:
                version.name, version.description = name, description
                session.add(version)
        if await session.get(AssistantVersionRow, (assistant_id, existing.version)) is None:
            session.add(_version_of(existing))  # created before versions were recorded
        return
    if existing is None:
        await insert_assistant(
            session,
            AssistantRow(
                assistant_id=assistant_id,
                graph_id=graph_id,
                name=name,
                description=description,
                config={},
                context={},
                meta={"created_by": "system"},
            ),
        )


async def insert_assistant(session: AsyncSession, row: AssistantRow) -> AssistantRow:
    """A new assistant with its first version."""
    row.updated_at = row.created_at  # one instant: clients take equal stamps for "never updated"
    session.add(row)
    session.add(_version_of(row))
    await session.flush()
    return row


async def get_assistant(session: AsyncSession, assistant_id: str) -> AssistantRow | None:
    return await session.get(AssistantRow, assistant_id)


async def add_assistant_version(session: AsyncSession, row: AssistantRow, changes: dict[str, Any]) -> AssistantRow:
    """Apply `changes` as a new version (numbered after the highest ever) and make it the latest."""
    highest = (
        await session.exec(
            select(func.max(AssistantVersionRow.version)).where(AssistantVersionRow.assistant_id == row.assistant_id)
        )
    ).one()
    for key, value in changes.items():
        setattr(row, key, value)
    row.version = (highest or row.version) + 1
    row.updated_at = utcnow()
    session.add(row)
    session.add(_version_of(row))
    await session.flush()
    return row


async def set_latest_assistant_version(session: AsyncSession, row: AssistantRow, version: int) -> AssistantRow | None:
    """Make a stored version the assistant's current one; None if there is no such version."""
    stored = await session.get(AssistantVersionRow, (row.assistant_id, version))
    if stored is None:
        return None
    for key in ("graph_id", "name", "description", "config", "context", "meta", "version"):
        setattr(row, key, getattr(stored, key))
    row.updated_at = utcnow()
    session.add(row)
    return row


async def list_assistant_versions(
    session: AsyncSession, assistant_id: str, *, metadata: dict[str, Any], limit: int, offset: int,
    auth_filter: dict[str, Any] | None = None,
) -> Sequence[AssistantVersionRow]:
    query = select(AssistantVersionRow).where(AssistantVersionRow.assistant_id == assistant_id)
    if auth_filter:
        query = query.where(metadata_filter(AssistantVersionRow.__table__.c.metadata, auth_filter, _dialect(session)))
    for condition in _json_filter(AssistantVersionRow.__table__.c.metadata, metadata, _dialect(session)):
        query = query.where(condition)
    query = query.order_by(col(AssistantVersionRow.version).desc()).offset(offset).limit(limit)
    return (await session.exec(query)).all()


async def delete_assistant(session: AsyncSession, assistant_id: str) -> bool:
    """Delete an assistant and all its versions; returns whether it existed."""
    await session.exec(  # type: ignore[call-overload]
        delete(AssistantVersionRow).where(col(AssistantVersionRow.assistant_id) == assistant_id)
    )
    row = await session.get(AssistantRow, assistant_id)
    if row is None:
        return False
    await session.delete(row)
    return True


def _assistant_filters(
    query: Any, session: AsyncSession, graph_id: str | None, name: str | None, metadata: dict[str, Any],
    auth_filter: dict[str, Any] | None = None,
) -> Any:
    if auth_filter:
        query = query.where(metadata_filter(AssistantRow.__table__.c.metadata, auth_filter, _dialect(session)))
    if graph_id:
        query = query.where(AssistantRow.graph_id == graph_id)
    if name:
        query = query.where(col(AssistantRow.name).contains(name))
    for condition in _json_filter(AssistantRow.__table__.c.metadata, metadata, _dialect(session)):
        query = query.where(condition)
    return query


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
    auth_filter: dict[str, Any] | None = None,
) -> Sequence[AssistantRow]:
    query = _assistant_filters(select(AssistantRow), session, graph_id, name, metadata, auth_filter)
    order = getattr(AssistantRow, sort_by)
    tie = col(AssistantRow.assistant_id)
    query = query.order_by(*(
        (order.desc(), tie.desc()) if sort_order == "desc" else (order.asc(), tie.asc())
    ))
    return (await session.exec(query.offset(offset).limit(limit))).all()


async def count_assistants(
    session: AsyncSession, *, graph_id: str | None, name: str | None, metadata: dict[str, Any],
    auth_filter: dict[str, Any] | None = None,
) -> int:
    query = _assistant_filters(select(func.count()).select_from(AssistantRow), session, graph_id, name, metadata, auth_filter)
    return int((await session.exec(query)).one())


# --- threads ----------------------------------------------------------------------------------


async def get_thread(session: AsyncSession, thread_id: str) -> ThreadRow | None:
    return await session.get(ThreadRow, thread_id)


async def thread_exists(session: AsyncSession, thread_id: str) -> bool:
    """Whether the thread exists, without loading its row (its values can be megabytes)."""
    return (await session.exec(select(_THREADS.thread_id).where(_THREADS.thread_id == thread_id))).first() is not None  # type: ignore[call-overload]


async def thread_metadata(session: AsyncSession, thread_id: str) -> dict[str, Any] | None:
    """The thread's metadata (None: no such thread), without loading its row."""
    return (await threads_metadata(session, [thread_id])).get(thread_id)


async def threads_metadata(session: AsyncSession, thread_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The metadata of each of these threads that exists, in one query (their rows not loaded)."""
    if not thread_ids:
        return {}
    found = await session.exec(select(_THREADS.thread_id, _THREADS["metadata"]).where(_THREADS.thread_id.in_(list(thread_ids))))  # type: ignore[call-overload]
    return {thread_id: dict(metadata or {}) for thread_id, metadata in found.all()}


def _thread_filters(
    query: Any,
    session: AsyncSession,
    metadata: dict[str, Any],
    values: dict[str, Any],
    status: str | None,
    auth_filter: dict[str, Any] | None = None,
) -> Any:
    if status:
        query = query.where(ThreadRow.status == status)
    dialect = _dialect(session)
    if auth_filter:
        query = query.where(metadata_filter(ThreadRow.__table__.c.metadata, auth_filter, dialect))
    for condition in _json_filter(ThreadRow.__table__.c.metadata, metadata, dialect):
        query = query.where(condition)
    for condition in _json_filter(ThreadRow.__table__.c["values"], values, dialect):
        query = query.where(condition)
    return query


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
    auth_filter: dict[str, Any] | None = None,
) -> Sequence[ThreadRow]:
    query = _thread_filters(select(ThreadRow), session, metadata, values, status, auth_filter)
    if ids:
        query = query.where(col(ThreadRow.thread_id).in_(ids))
    order = getattr(ThreadRow, sort_by)
    tie = col(ThreadRow.thread_id)
    query = query.order_by(*((order.desc(), tie.desc()) if sort_order == "desc" else (order.asc(), tie.asc())))
    return (await session.exec(query.offset(offset).limit(limit))).all()


async def count_threads(
    session: AsyncSession,
    *,
    metadata: dict[str, Any],
    values: dict[str, Any],
    status: str | None,
    auth_filter: dict[str, Any] | None = None,
) -> int:
    query = _thread_filters(select(func.count()).select_from(ThreadRow), session, metadata, values, status, auth_filter)
    return int((await session.exec(query)).one())


async def thread_ids_with_metadata(session: AsyncSession, metadata: dict[str, Any]) -> list[str]:
    query = _thread_filters(select(ThreadRow.thread_id), session, metadata, {}, None)
    return list((await session.exec(query)).all())


async def expired_thread_ids(session: AsyncSession, now: datetime, limit: int = 100) -> list[str]:
    """Threads whose TTL has passed and that are not running anything."""
    query = (
        select(ThreadRow.thread_id)
        .where(col(ThreadRow.expires_at).is_not(None), col(ThreadRow.expires_at) <= now)
        .where(ThreadRow.status != "busy")
        .limit(limit)
    )
    return list((await session.exec(query)).all())


def expiry_of(ttl: dict[str, Any] | None, changed_at: datetime) -> datetime | None:
    """A thread with a TTL lives `ttl` minutes past its latest change."""
    minutes = (ttl or {}).get("ttl")
    return changed_at + timedelta(minutes=float(minutes)) if minutes else None


def refresh_expiry(thread: ThreadRow, now: datetime) -> None:
    thread.expires_at = expiry_of(thread.ttl, now)


async def mark_thread_busy(session: AsyncSession, thread_id: str, graph_id: str, assistant_id: str) -> None:
    """A run started: the thread is busy and remembers which graph and assistant ran it.
    (Statements on the columns, not ORM rows: a run's hot path never loads the thread's values.)"""
    found = (await session.exec(select(_THREADS.thread_id, _THREADS["metadata"]).where(_THREADS.thread_id == thread_id))).first()  # type: ignore[call-overload]
    if found is None:
        return
    changes: dict[str, Any] = {"status": "busy", "updated_at": utcnow()}
    meta = dict(found[1] or {})
    if meta.get("graph_id") != graph_id or meta.get("assistant_id") != assistant_id:
        changes["metadata"] = {**meta, "graph_id": graph_id, "assistant_id": assistant_id}
    await session.exec(update(ThreadRow.__table__).where(_THREADS.thread_id == thread_id).values(**changes))  # type: ignore[call-overload]


async def record_run_end_on_thread(
    session: AsyncSession, thread_id: str, run_id: str, run_status: str, *,
    interrupted: bool, values: Any, interrupts: dict[str, Any] | None, error: dict[str, Any] | None,
) -> bool:
    """A run ended: the thread's status (`thread_status_after_run`), values, interrupts and error,
    its TTL renewed. False if the thread is gone."""
    found = (await session.exec(select(_THREADS.thread_id, _THREADS.ttl).where(_THREADS.thread_id == thread_id))).first()  # type: ignore[call-overload]
    if found is None:
        return False
    others = await has_other_active_runs(session, thread_id, run_id)
    now = utcnow()
    changes: dict[str, Any] = {
        "status": thread_status_after_run(run_status, interrupted, others),
        "interrupts": interrupts or {},
        "error": error,
        "updated_at": now,
        "expires_at": expiry_of(found[1], now),
    }
    if values is not None:
        changes["values"] = values
        changes["state_updated_at"] = now
    await session.exec(update(ThreadRow.__table__).where(_THREADS.thread_id == thread_id).values(**changes))  # type: ignore[call-overload]
    return True


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


async def next_run(session: AsyncSession, thread_id: str, after_run_id: str) -> RunRow | None:
    """The thread's first run created after `after_run_id` (uuid7 ids sort by creation)."""
    return await _first_after(session, RunRow, RunRow.run_id, thread_id, after_run_id)


async def next_state_update(session: AsyncSession, thread_id: str, after_id: str) -> ThreadStateUpdateRow | None:
    """The thread's first state update made after `after_id` (a run's or an update's uuid7)."""
    return await _first_after(session, ThreadStateUpdateRow, ThreadStateUpdateRow.update_id, thread_id, after_id)


async def _first_after(session: AsyncSession, table: Any, id_column: Any, thread_id: str, after_id: str) -> Any:
    """The thread's row with the smallest uuid7 id above `after_id`."""
    query = select(table).where(table.thread_id == thread_id, col(id_column) > after_id).order_by(col(id_column).asc()).limit(1)
    return (await session.exec(query)).first()


async def latest_state_update_id(session: AsyncSession, thread_id: str) -> str:
    query = select(func.max(ThreadStateUpdateRow.update_id)).where(ThreadStateUpdateRow.thread_id == thread_id)
    return (await session.exec(query)).first() or ""  # type: ignore[call-overload]


async def set_run_status(
    session: AsyncSession, run_id: str, status: str, kwargs: dict[str, Any] | None = None
) -> RunRow | None:
    run = await session.get(RunRow, run_id)
    if run is None:
        return None
    run.status = status
    if kwargs is not None:
        run.kwargs = kwargs
    run.updated_at = utcnow()
    session.add(run)
    return run



def _run_insert(session: AsyncSession, row: RunRow) -> Any:
    """An INSERT of the run's row in the session's dialect (which has ON CONFLICT clauses)."""
    values = {c.name: getattr(row, "meta" if c.name == "metadata" else c.name) for c in RunRow.__table__.columns}
    if _dialect(session) == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(RunRow.__table__).values(**values)


async def upsert_started_run(session: AsyncSession, row: RunRow) -> None:
    """The run's row as it starts: inserted if the API has not written it yet, else its status,
    kwargs and `updated_at` set (one statement)."""
    stmt = _run_insert(session, row)
    stmt = stmt.on_conflict_do_update(
        index_elements=["run_id"],
        set_={"status": stmt.excluded.status, "kwargs": stmt.excluded.kwargs, "updated_at": stmt.excluded.updated_at},
    )
    await session.exec(stmt)  # type: ignore[call-overload]


async def set_run_status_only(session: AsyncSession, run_id: str, status: str) -> None:
    """The run's status (and `updated_at`), without loading its row."""
    await session.exec(  # type: ignore[call-overload]
        update(RunRow.__table__).where(_RUNS.run_id == run_id).values(status=status, updated_at=utcnow())
    )


async def insert_run_if_missing(session: AsyncSession, row: RunRow) -> bool:
    """Insert the run's row unless it exists (the API and the workflow both write it)."""
    stmt = _run_insert(session, row).on_conflict_do_nothing(index_elements=["run_id"]).returning(_RUNS.run_id)
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


async def record_outside_end(session: AsyncSession, run_id: str, status: str) -> None:
    """A run's workflow closed without recording it (cancelled, terminated, timed out from outside):
    record its status and free its thread if nothing else is active there."""
    run = await set_run_status(session, run_id, status)
    if run is None:
        return
    thread = await session.get(ThreadRow, run.thread_id)
    if thread is None or thread.status != "busy":
        return
    if not await has_other_active_runs(session, run.thread_id, run_id):
        thread.status = "error" if status in ("error", "timeout") else "idle"
        thread.updated_at = utcnow()
        session.add(thread)


async def delete_run(session: AsyncSession, run_id: str) -> None:
    await session.exec(delete(RunRow).where(col(RunRow.run_id) == run_id))  # type: ignore[call-overload]


async def runs_with_status(session: AsyncSession, statuses: list[str], thread_id: str | None) -> Sequence[RunRow]:
    query = select(RunRow).where(col(RunRow.status).in_(statuses))
    if thread_id:
        query = query.where(RunRow.thread_id == thread_id)
    return (await session.exec(query)).all()


async def active_runs(session: AsyncSession, thread_id: str) -> Sequence[RunRow]:
    query = select(RunRow).where(RunRow.thread_id == thread_id, col(RunRow.status).in_(ACTIVE_RUN_STATUSES))
    return (await session.exec(query)).all()


async def delete_thread(session: AsyncSession, thread_id: str) -> bool:
    """Delete a thread's row and its runs; returns whether the thread existed."""
    await session.exec(delete(RunRow).where(col(RunRow.thread_id) == thread_id))  # type: ignore[call-overload]
    await session.exec(delete(ThreadStateUpdateRow).where(col(ThreadStateUpdateRow.thread_id) == thread_id))  # type: ignore[call-overload]
    thread = await session.get(ThreadRow, thread_id)
    if thread is None:
        return False
    await session.delete(thread)
    return True
