"""One object that owns the SQLModel engine and LangGraph's checkpointer for a database URI."""

from __future__ import annotations

import asyncio
import fcntl
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

log = logging.getLogger(__name__)

# Any constant shared by every process of this application.
_SCHEMA_LOCK_KEY = 0x6167656E74  # "agent"


def _is_sqlite(uri: str) -> bool:
    return uri.startswith("sqlite")


def _sqlalchemy_url(uri: str) -> str:
    if _is_sqlite(uri):
        return "sqlite+aiosqlite://" + uri.split("://", 1)[1]
    scheme, rest = uri.split("://", 1)
    return "postgresql+psycopg://" + rest if scheme in ("postgres", "postgresql") else uri


def _sqlite_path(uri: str) -> Path:
    # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them.
    return Path(uri.split(":///", 1)[1])


def _add_missing_columns(conn: Any) -> None:
    """Additive migration: columns (all nullable) and indexes added to a table after a data dir was created."""
    inspector = inspect(conn)
    for table in SQLModel.metadata.sorted_tables:
        existing = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in existing:
                continue
            if not column.nullable:
                raise RuntimeError(f"cannot add the non-nullable column {table.name}.{column.name} to existing data")
            kind = column.type.compile(dialect=conn.dialect)
            log.info("adding column %s.%s (%s)", table.name, column.name, kind)
            conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))
        indexed = {i["name"] for i in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexed:
                index.create(conn)


class Database:
    """The SQL engine for our tables plus the LangGraph checkpointer on the same database."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.is_sqlite = _is_sqlite(uri)
        self.engine: AsyncEngine | None = None
        self.checkpointer: BaseCheckpointSaver[str] | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._closers: list[Any] = []

    async def open(self) -> "Database":
        """Connect, create our tables and LangGraph's tables if missing."""
        if self.is_sqlite:
            path = _sqlite_path(self.uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_async_engine(_sqlalchemy_url(self.uri), connect_args={"timeout": 30})

            @event.listens_for(engine.sync_engine, "connect")
            def _pragmas(conn: Any, _record: Any) -> None:
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            self.engine = engine
            self.checkpointer = await self._open_sqlite_checkpointer(path)
        else:
            self.engine = create_async_engine(_sqlalchemy_url(self.uri), pool_size=5, max_overflow=10)
            self.checkpointer = await self._open_postgres_checkpointer()
        await self._create_schema()
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        return self

    async def _create_schema(self) -> None:
        """Create our tables and LangGraph's, once, even when API and workers start together."""
        assert self.engine is not None and self.checkpointer is not None
        # Neither `create_all` nor LangGraph's migrations are safe to run concurrently.
        async with self._schema_lock():
            async with self.engine.begin() as conn:
                await conn.run_sync(SQLModel.metadata.create_all)
                await conn.run_sync(_add_missing_columns)
            await self.checkpointer.setup()  # type: ignore[attr-defined]

    @asynccontextmanager
    async def _schema_lock(self) -> AsyncIterator[None]:
        """A lock across processes: a file lock beside the SQLite file, else a PostgreSQL advisory lock."""
        if self.is_sqlite:
            lock_path = _sqlite_path(self.uri).with_suffix(".schema-lock")
            with open(lock_path, "w") as lock_file:
                await asyncio.to_thread(fcntl.flock, lock_file, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(lock_file, fcntl.LOCK_UN)
            return
        import psycopg

        async with await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True) as lock:
            # Poll with pg_try_advisory_lock instead of blocking in pg_advisory_lock: a statement
            # waiting for the lock holds a snapshot, and LangGraph's CREATE INDEX CONCURRENTLY in the
            # process holding the lock waits for every such snapshot to end — a deadlock PostgreSQL
            # does not detect.
            while True:
                row = await (await lock.execute("SELECT pg_try_advisory_lock(%s)", (_SCHEMA_LOCK_KEY,))).fetchone()
                if row is not None and row[0]:
                    break
                await asyncio.sleep(0.1)
            try:
                yield
            finally:
                await lock.execute("SELECT pg_advisory_unlock(%s)", (_SCHEMA_LOCK_KEY,))

    @property
    def _conninfo(self) -> str:
        return "postgresql://" + self.uri.split("://", 1)[1]

    async def _open_sqlite_checkpointer(self, path: Path) -> BaseCheckpointSaver[str]:
        import aiosqlite
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        conn = await aiosqlite.connect(str(path), timeout=30)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA busy_timeout=30000")
        self._closers.append(conn.close)
        return AsyncSqliteSaver(conn)

    async def _open_postgres_checkpointer(self) -> BaseCheckpointSaver[str]:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import AsyncConnectionPool

        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            self._conninfo,
            min_size=1,
            max_size=10,
            open=False,
            kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        )
        await pool.open()
        self._closers.append(pool.close)
        return AsyncPostgresSaver(pool)  # type: ignore[arg-type]

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A session that commits on success and rolls back on error."""
        assert self._sessions is not None, "Database.open() was not awaited"
        async with self._sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise

    async def close(self) -> None:
        """Close the checkpointer's connections and the engine."""
        for close in reversed(self._closers):
            await close()
        self._closers.clear()
        if self.engine is not None:
            await self.engine.dispose()
