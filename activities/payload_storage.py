"""Claim check for big payloads: Temporal keeps a small reference, our database keeps the bytes.

LangGraph sends the whole graph state as every node activity's input and result, and Temporal refuses
payloads over 2 MB (a run then hangs in a workflow-task retry loop; temporal-facts.md §10). With this
driver in the data converter's `ExternalStorage`, every payload above `PAYLOAD_STORAGE_THRESHOLD_BYTES`
is written to the `payload_blobs` table and travels as a ~120-byte claim, so a long conversation or a
big tool result completes and the workflow history stays small.

Blobs are content-addressed (sha256 of the serialized payload): the same state sent to several nodes
is stored once, a retried store is harmless, and a blob never changes, so readers cache it. Storing a
blob again refreshes its `stored_at`; the API's sweeper deletes blobs older than
`PAYLOAD_BLOB_TTL_HOURS`, which must outlive a run plus Temporal's retention of closed workflows (a
replay, a reset or a query of a closed run reads them again).
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    ExternalStorage,
    StorageDriver,
    StorageDriverClaim,
    StorageDriverRetrieveContext,
    StorageDriverStoreContext,
)

from activities.storage import Database
from activities.storage.tables import PayloadBlobRow, utcnow

DRIVER_NAME = "agent-server-db"
_CACHE_BYTES = 64 * 1024 * 1024


class BlobNotFound(LookupError):
    """A claim whose blob is gone: deleted by the sweeper, or written to another database."""


class _ByteBoundedCache:
    """Least-recently-used serialized payloads, bounded by their total size."""

    def __init__(self, max_bytes: int) -> None:
        self._max = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    def get(self, key: str) -> bytes | None:
        data = self._items.get(key)
        if data is not None:
            self._items.move_to_end(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self._max or key in self._items:
            return
        self._items[key] = data
        self._size += len(data)
        while self._size > self._max:
            _, evicted = self._items.popitem(last=False)
            self._size -= len(evicted)


class DatabasePayloadDriver(StorageDriver):
    """Stores payloads in our database (SQLite or PostgreSQL), so API and workers share them."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._cache = _ByteBoundedCache(_CACHE_BYTES)

    def name(self) -> str:
        return DRIVER_NAME

    async def store(self, context: StorageDriverStoreContext, payloads: Sequence[Payload]) -> list[StorageDriverClaim]:
        rows: dict[str, dict[str, object]] = {}
        claims = []
        now = utcnow()
        for payload in payloads:
            data = payload.SerializeToString()
            key = hashlib.sha256(data).hexdigest()
            claims.append(StorageDriverClaim(claim_data={"key": key}))
            rows[key] = {"key": key, "data": zlib.compress(data, 1), "size": len(data), "stored_at": now}
            self._cache.put(key, data)
        insert = sqlite_insert if self._db.is_sqlite else pg_insert
        statement = insert(PayloadBlobRow).values(list(rows.values()))
        statement = statement.on_conflict_do_update(index_elements=["key"], set_={"stored_at": now})
        async with self._db.session() as session:
            await session.exec(statement)  # type: ignore[call-overload]
        return claims

    async def retrieve(self, context: StorageDriverRetrieveContext, claims: Sequence[StorageDriverClaim]) -> list[Payload]:
        keys = [claim.claim_data["key"] for claim in claims]
        found = {key: data for key in keys if (data := self._cache.get(key)) is not None}
        missing = [key for key in set(keys) if key not in found]
        if missing:
            async with self._db.session() as session:
                result = await session.exec(select(PayloadBlobRow.key, PayloadBlobRow.data).where(PayloadBlobRow.key.in_(missing)))
                for key, compressed in result.all():
                    data = zlib.decompress(compressed)
                    found[key] = data
                    self._cache.put(key, data)
        gone = [key for key in keys if key not in found]
        if gone:
            raise BlobNotFound(
                f"payload blob(s) {', '.join(gone)} not found in {self._db.uri.split('@')[-1]}: deleted after "
                "PAYLOAD_BLOB_TTL_HOURS, or the API and workers use different databases"
            )
        return [Payload.FromString(found[key]) for key in keys]


def external_storage(db: Database, threshold_bytes: int) -> ExternalStorage:
    """Temporal's claim-check configuration with our database driver."""
    return ExternalStorage(drivers=[DatabasePayloadDriver(db)], payload_size_threshold=threshold_bytes)


async def delete_blobs_stored_before(db: Database, cutoff: datetime) -> int:
    """Delete blobs not stored since `cutoff`; returns how many went."""
    async with db.session() as session:
        result = await session.exec(delete(PayloadBlobRow).where(PayloadBlobRow.stored_at < cutoff))
    return int(result.rowcount or 0)


def blob_cutoff(ttl_hours: float) -> datetime:
    return utcnow() - timedelta(hours=ttl_hours)
