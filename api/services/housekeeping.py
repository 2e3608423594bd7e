"""The API's periodic clean-up: threads whose TTL passed, payload blobs no run can read any more."""

from __future__ import annotations

import asyncio
import logging

from activities.payload_storage import blob_cutoff, delete_blobs_stored_before
from api.context import AppContext
from api.services.threads import sweep_expired_threads

log = logging.getLogger(__name__)


async def sweep_once(ctx: AppContext) -> None:
    await sweep_expired_threads(ctx)
    deleted = await delete_blobs_stored_before(ctx.db, blob_cutoff(ctx.settings.payload_blob_ttl_hours))
    if deleted:
        log.info("deleted %d payload blobs older than %s h", deleted, ctx.settings.payload_blob_ttl_hours)


async def sweep_forever(ctx: AppContext) -> None:
    """Every `THREAD_TTL_SWEEP_SECS`, in each API process (both deletes are idempotent)."""
    while True:
        await asyncio.sleep(ctx.settings.thread_ttl_sweep_secs)
        try:
            await sweep_once(ctx)
        except Exception:  # keep sweeping; the next round retries
            log.exception("sweep failed")
