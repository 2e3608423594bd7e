"""Unit-test fixtures: an empty database of each kind the server supports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from activities.storage import Database


@pytest_asyncio.fixture(params=["sqlite", "postgres"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    uri = f"sqlite:///{tmp_path / 'db.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("postgres_uri")
    database = await Database(uri).open()
    yield database
    await database.close()
