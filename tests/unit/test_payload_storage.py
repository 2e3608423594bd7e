"""The claim-check driver on SQLite and PostgreSQL: what goes in comes out, once per content."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from temporalio.api.common.v1 import Payload
from temporalio.converter import StorageDriverRetrieveContext, StorageDriverStoreContext

from activities.payload_storage import BlobNotFound, DatabasePayloadDriver, delete_blobs_stored_before
from activities.storage import Database
from activities.storage.tables import PayloadBlobRow, utcnow


def _payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


async def _blob_count(db: Database) -> int:
    async with db.session() as session:
        return int((await session.exec(select(func.count()).select_from(PayloadBlobRow))).scalar_one())


async def test_payloads_round_trip_through_another_driver_on_the_same_database(db: Database) -> None:
    big, other = _payload("x" * 3_000_000), _payload('{"a": 1}')
    claims = await DatabasePayloadDriver(db).store(StorageDriverStoreContext(), [big, other, big])

    assert claims[0] == claims[2] != claims[1]
    assert await _blob_count(db) == 2  # equal payloads share one row
    # A fresh driver (another process) has an empty cache: it reads the database.
    assert await DatabasePayloadDriver(db).retrieve(StorageDriverRetrieveContext(), claims) == [big, other, big]


async def test_a_missing_blob_is_a_clear_error(db: Database) -> None:
    driver = DatabasePayloadDriver(db)
    claims = await driver.store(StorageDriverStoreContext(), [_payload("kept")])
    assert await delete_blobs_stored_before(db, utcnow() + timedelta(seconds=1)) == 1

    with pytest.raises(BlobNotFound, match="not found"):
        await DatabasePayloadDriver(db).retrieve(StorageDriverRetrieveContext(), claims)


async def test_sweep_keeps_blobs_stored_again_recently(db: Database) -> None:
    driver = DatabasePayloadDriver(db)
    await driver.store(StorageDriverStoreContext(), [_payload("old")])
    cutoff = utcnow()
    await driver.store(StorageDriverStoreContext(), [_payload("old"), _payload("new")])  # "old" refreshed

    assert await delete_blobs_stored_before(db, cutoff) == 0
    assert await _blob_count(db) == 2
