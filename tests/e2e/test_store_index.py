"""The store's semantic search and TTLs, configured in langgraph.json (`store.index`, `store.ttl`), on
SQLite (LangGraph's sqlite-vec store, in its own file) and on PostgreSQL (pgvector, or a clear refusal
to start where the database has no pgvector)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from langgraph_sdk import get_client

from activities.storage import Database
from activities.storage.store import project_store_settings
from tests.conftest import ROOT, Stack, _postgres_database, start_stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(90)

PROJECT = ROOT / "tests" / "graphs" / "semantic" / "langgraph.json"


def _has_pgvector(admin: str) -> bool:
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'").fetchone() is not None


@pytest_asyncio.fixture(scope="module", params=["sqlite", "postgres"])
async def semantic_stack(
    request: pytest.FixtureRequest, env: object, postgres_admin: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    database = None
    if request.param == "postgres":
        if not _has_pgvector(postgres_admin):
            pytest.skip("this PostgreSQL has no pgvector: test_postgres_uses_pgvector_or_refuses... covers it")
        databases = _postgres_database(postgres_admin)
        database = next(databases)
    stack = start_stack(env, tmp_path_factory.mktemp("semantic"), database, langgraph_config=PROJECT)  # type: ignore[arg-type]
    yield stack
    stack.stop()
    if database is not None:
        next(databases, None)


async def test_search_ranks_by_meaning_and_nodes_writes_are_indexed(semantic_stack: Stack) -> None:
    client = get_client(url=semantic_stack.url)
    root = f"s{uuid.uuid4().hex[:8]}"
    await client.store.put_item([root], "pets", {"text": "my cat chased the dog"})
    await client.store.put_item([root], "drinks", {"text": "tea or coffee, never both"})
    await client.store.put_item([root], "money", {"text": "the stock fell in the rain"})
    await client.store.put_item([root], "unindexed", {"text": "cat cat cat"}, index=False)

    ranked = (await client.store.search_items([root], query="a cat and a dog"))["items"]
    assert ranked[0]["key"] == "pets"
    assert ranked[0]["score"] > ranked[1]["score"]
    assert "unindexed" not in [item["key"] for item in ranked]  # index=False: not searchable by meaning
    listed = (await client.store.search_items([root]))["items"]  # no query: every item, no score
    assert {item["key"] for item in listed} == {"pets", "drinks", "money", "unindexed"}
    assert all(item["score"] is None for item in listed)

    # What a node puts into the store is embedded by the same index.
    user = f"u{uuid.uuid4().hex[:8]}"
    thread = await client.threads.create()
    await client.runs.wait(thread["thread_id"], "memory", input={"user": user, "note": "coffee, then tea"})
    found = (await client.store.search_items(["memories", user], query="tea"))["items"]
    assert [item["value"] for item in found] == [{"text": "coffee, then tea"}]
    assert found[0]["score"] is not None


async def test_an_item_with_a_ttl_is_swept_after_it_expires(semantic_stack: Stack) -> None:
    client = get_client(url=semantic_stack.url)
    root = f"t{uuid.uuid4().hex[:8]}"
    await client.store.put_item([root], "brief", {"text": "rain"}, ttl=0.005)  # minutes: 0.3 s
    await client.store.put_item([root], "lasting", {"text": "rain"})

    async def swept() -> None:
        assert await client.store.get_item([root], "brief", refresh_ttl=False) is None

    await assert_eventually(swept, timeout=20)
    assert await client.store.get_item([root], "lasting") is not None


async def test_the_store_lives_in_its_own_file_beside_the_database(semantic_stack: Stack) -> None:
    if semantic_stack.database_uri.startswith("postgres"):
        pytest.skip("SQLite only")
    assert (semantic_stack.data_dir / "agent-server-store.db").is_file()


async def test_postgres_uses_pgvector_or_refuses_to_start_with_a_clear_message(postgres_uri: str) -> None:
    has_pgvector = _has_pgvector(postgres_uri)
    db = Database(postgres_uri, store=project_store_settings(PROJECT))
    if not has_pgvector:
        with pytest.raises(RuntimeError, match="pgvector"):
            await db.open()
        await db.close()
        return
    await db.open()
    try:
        assert db.store is not None
        await db.store.aput(("p",), "pets", {"text": "cat and dog"})
        await db.store.aput(("p",), "money", {"text": "stock"})
        assert [item.key for item in await db.store.asearch(("p",), query="cat")][0] == "pets"
    finally:
        await db.close()
