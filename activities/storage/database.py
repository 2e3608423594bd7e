"""One object that owns, for a database URI, the SQLModel engine, LangGraph's checkpointer and the
long-term memory store (activities/storage/store.py)."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.store.base import BaseStore
from sqlalchemy import event, inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.storage.store import StoreSettings, enter_custom_store

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


def store_path(db_file: Path) -> Path:
    """On SQLite the store has a file of its own beside the database: its connection may come from
    another SQLite library than the stdlib's (`_store_connection`), and two SQLite libraries in one
    process must never open the same file (their POSIX locks would release each other's)."""
    return db_file.with_name(db_file.stem + "-store.db")


async def _store_connection(path: Path, needs_extensions: bool) -> Any:
    """The store's own aiosqlite connection, in autocommit mode as LangGraph's store expects (it
    opens and commits its own transactions). A vector index loads the sqlite-vec extension: where
    the stdlib's sqlite3 cannot load extensions, pysqlite3's bundled SQLite is used."""
    import sqlite3

    import aiosqlite

    module: Any = sqlite3
    if needs_extensions and not hasattr(sqlite3.Connection, "enable_load_extension"):
        try:
            import pysqlite3.dbapi2 as module  # type: ignore[import-not-found,no-redef]
        except ImportError:
            raise RuntimeError(
                "store.index in langgraph.json needs SQLite extensions (sqlite-vec), and this Python's "
                "sqlite3 cannot load them: pip install pysqlite3-binary, or use PostgreSQL with pgvector"
            ) from None
    connection = aiosqlite.Connection(
        lambda: module.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False), 64
    )
    return await connection


async def _use_wal(conn: Any) -> None:
    """Put the SQLite file in WAL mode (it stays so), then wait for locks up to 30 s. The API and
    the worker open the same files at start: switching the mode takes a lock that SQLite may refuse
    at once rather than wait for ("database is locked", seen when both started together), so a
    refusal is retried until the file is WAL, by either of them."""
    for attempt in range(100):
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            break
        except Exception as exc:  # sqlite3's or pysqlite3's OperationalError
            if "locked" not in str(exc) or attempt == 99:
                raise
            cursor = await conn.execute("PRAGMA journal_mode")
            if str((await cursor.fetchone())[0]).lower() == "wal":
                break
            await asyncio.sleep(0.05)
    await conn.execute("PRAGMA busy_timeout=30000")


class Database:
    """The SQL engine for our tables plus LangGraph's checkpointer and store on the same database."""

    def __init__(self, uri: str, store: StoreSettings | None = None) -> None:
        self.uri = uri
        self.is_sqlite = _is_sqlite(uri)
        self.store_settings = store or StoreSettings()
        self.engine: AsyncEngine | None = None
        self.checkpointer: BaseCheckpointSaver[str] | None = None
        self.store: BaseStore | None = None
        self._sessions: async_sessionmaker[AsyncSession] | None = None
        self._closers: list[Any] = []
        self._custom_store = contextlib.AsyncExitStack()

    async def open(self) -> "Database":
        """Connect, create our tables and LangGraph's tables if missing; on failure, close what opened."""
        try:
            return await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> "Database":
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
        self.store = await self._open_store()
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
            if self.store_settings.custom is None:
                await self._set_up_store()

    async def _set_up_store(self) -> None:
        try:
            await self.store.setup()  # type: ignore[union-attr]
        except Exception as exc:
            if self.store_settings.index and not self.is_sqlite and "vector" in str(exc).lower():
                raise RuntimeError(
                    "store.index in langgraph.json needs PostgreSQL's pgvector extension "
                    f"(CREATE EXTENSION vector), which this database cannot load: {exc}"
                ) from exc
            raise

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
        await _use_wal(conn)
        self._closers.append(conn.close)
        return AsyncSqliteSaver(conn)

    async def _open_postgres_checkpointer(self) -> BaseCheckpointSaver[str]:
        from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

        return AsyncPostgresSaver(await self._postgres_pool())  # type: ignore[arg-type]

    async def _postgres_pool(self) -> Any:
        """A connection pool as LangGraph's PostgreSQL checkpointer and store expect it."""
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
        return pool

    async def _open_store(self) -> BaseStore:
        """The project's own store (`store.path`), else LangGraph's store for this database."""
        settings = self.store_settings
        if settings.custom is not None:
            self._closers.append(self._custom_store.aclose)
            return await enter_custom_store(settings.custom, self._custom_store)
        options: dict[str, Any] = {"index": settings.index, "ttl": settings.ttl}
        if self.is_sqlite:
            from langgraph.store.sqlite.aio import AsyncSqliteStore

            conn = await _store_connection(store_path(_sqlite_path(self.uri)), needs_extensions=bool(settings.index))
            await _use_wal(conn)
            self._closers.append(conn.close)
            return AsyncSqliteStore(conn, **options)
        from langgraph.store.postgres.aio import AsyncPostgresStore

        # A pool of its own: with an index the store holds a connection while it calls the
        # embeddings (a network call), which must not starve checkpoint writes.
        return AsyncPostgresStore(await self._postgres_pool(), **options)  # type: ignore[arg-type]

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
