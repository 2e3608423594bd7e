"""Storage queries on SQLite and PostgreSQL (their JSON filters differ, so both are tested)."""

from __future__ import annotations



from activities.storage import Database, RunRow, ThreadRow
from activities.storage import queries


async def test_thread_search_filters_metadata_values_and_status(db: Database) -> None:
    async with db.session() as s:
        s.add(ThreadRow(thread_id="t1", meta={"user": "ann", "tier": 1, "vip": True}, config={}, values={"n": 1}))
        s.add(ThreadRow(thread_id="t2", meta={"user": "bob", "tier": 2}, config={}, status="busy"))
        s.add(ThreadRow(thread_id="t3", meta={"user": "ann", "tags": ["a"]}, config={}))

    async def ids(**filters: object) -> list[str]:
        defaults: dict[str, object] = dict(ids=None, metadata={}, values={}, status=None, limit=10, offset=0, sort_by="thread_id", sort_order="asc")
        async with db.session() as s:
            return [t.thread_id for t in await queries.search_threads(s, **{**defaults, **filters})]  # type: ignore[arg-type]

    assert await ids() == ["t1", "t2", "t3"]
    assert await ids(metadata={"user": "ann"}) == ["t1", "t3"]
    assert await ids(metadata={"user": "ann", "tier": 1}) == ["t1"]
    assert await ids(metadata={"vip": True}) == ["t1"]
    assert await ids(metadata={"tags": ["a"]}) == ["t3"]
    assert await ids(values={"n": 1}) == ["t1"]
    assert await ids(status="busy") == ["t2"]
    assert await ids(ids=["t2", "t3"], sort_order="desc") == ["t3", "t2"]
    assert await ids(limit=1, offset=1) == ["t2"]


async def test_run_rows_are_idempotent_and_track_the_thread(db: Database) -> None:
    async with db.session() as s:
        s.add(ThreadRow(thread_id="t", meta={"k": "v"}, config={}))
    row = RunRow(run_id="r1", thread_id="t", assistant_id="a", meta={}, kwargs={"input": {"x": 1}})
    async with db.session() as s:
        assert await queries.insert_run_if_missing(s, row) is True
    async with db.session() as s:
        assert await queries.insert_run_if_missing(s, row.model_copy(update={"status": "running"})) is False
        await queries.mark_thread_busy(s, "t", "agent", "a")
    async with db.session() as s:
        stored = await queries.get_run(s, "t", "r1")
        assert stored is not None and stored.status == "pending" and stored.kwargs == {"input": {"x": 1}}
        assert await queries.get_run(s, "other-thread", "r1") is None
        thread = await queries.get_thread(s, "t")
        assert thread is not None and thread.status == "busy"
        assert thread.meta == {"k": "v", "graph_id": "agent", "assistant_id": "a"}
        assert await queries.has_other_active_runs(s, "t", "r2") is True
        assert await queries.has_other_active_runs(s, "t", "r1") is False
        assert (await queries.active_run(s, "t")).run_id == "r1"  # type: ignore[union-attr]
    async with db.session() as s:
        assert await queries.delete_thread(s, "t") is True
    async with db.session() as s:
        assert await queries.get_run(s, "t", "r1") is None
        assert await queries.delete_thread(s, "t") is False


async def test_a_data_dir_from_before_new_columns_is_migrated(db: Database) -> None:
    """Opening a database whose tables lack later nullable columns adds them, keeping the rows."""
    from sqlalchemy import inspect, text

    assert db.engine is not None
    async with db.session() as s:
        s.add(ThreadRow(thread_id="old", meta={}, config={}))
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP INDEX ix_threads_expires_at"))
        await conn.execute(text("ALTER TABLE threads DROP COLUMN expires_at"))
        await conn.execute(text("ALTER TABLE threads DROP COLUMN ttl"))
    reopened = await Database(db.uri).open()
    try:
        async with reopened.session() as s:
            thread = await queries.get_thread(s, "old")
            assert thread is not None and thread.ttl is None and thread.expires_at is None
            thread.ttl = {"ttl": 5, "strategy": "delete"}
            s.add(thread)
        async with reopened.session() as s:
            again = await queries.get_thread(s, "old")
            assert again is not None and again.ttl == {"ttl": 5, "strategy": "delete"}
        async with reopened.engine.begin() as conn:  # type: ignore[union-attr]
            indexes = await conn.run_sync(lambda c: {i["name"] for i in inspect(c).get_indexes("threads")})
        assert "ix_threads_expires_at" in indexes
    finally:
        await reopened.close()


async def test_assistant_versions_and_counts(db: Database) -> None:
    from activities.storage import AssistantRow

    async with db.session() as s:
        row = await queries.insert_assistant(
            s, AssistantRow(assistant_id="a1", graph_id="g", name="n", config={}, context={}, meta={"k": 1})
        )
        await queries.add_assistant_version(s, row, {"name": "n2", "meta": {"k": 2}})
    async with db.session() as s:
        current = await queries.get_assistant(s, "a1")
        assert current is not None and current.version == 2 and current.name == "n2"
        versions = await queries.list_assistant_versions(s, "a1", metadata={}, limit=10, offset=0)
        assert [(v.version, v.name) for v in versions] == [(2, "n2"), (1, "n")]
        assert [v.version for v in await queries.list_assistant_versions(s, "a1", metadata={"k": 1}, limit=10, offset=0)] == [1]
        restored = await queries.set_latest_assistant_version(s, current, 1)
        assert restored is not None and restored.name == "n" and restored.meta == {"k": 1}
        assert await queries.set_latest_assistant_version(s, current, 7) is None
        assert await queries.count_assistants(s, graph_id="g", name=None, metadata={}) == 1
        assert await queries.count_assistants(s, graph_id="other", name=None, metadata={}) == 0
    async with db.session() as s:
        assert await queries.delete_assistant(s, "a1") is True
    async with db.session() as s:
        assert await queries.list_assistant_versions(s, "a1", metadata={}, limit=10, offset=0) == []


async def test_thread_metadata_reads_only_the_threads_that_exist(db: Database) -> None:
    async with db.session() as s:
        s.add(ThreadRow(thread_id="m1", meta={"owner": "ann"}, config={}))
        s.add(ThreadRow(thread_id="m2", meta={}, config={}))
    async with db.session() as s:
        assert await queries.threads_metadata(s, ["m1", "m2", "gone"]) == {"m1": {"owner": "ann"}, "m2": {}}
        assert await queries.threads_metadata(s, []) == {}
        assert (await queries.thread_metadata(s, "m1"), await queries.thread_metadata(s, "gone")) == ({"owner": "ann"}, None)
