"""A thread stream waiting for its thread's next run wakes when this process admits one, and only
for its own thread; otherwise it looks again after its poll interval."""

from __future__ import annotations

import asyncio

from api.services import run_arrivals


async def test_a_waiting_stream_wakes_on_its_threads_run_only() -> None:
    mine = asyncio.ensure_future(run_arrivals.next_run_or_timeout("t1", 30))
    other = asyncio.ensure_future(run_arrivals.next_run_or_timeout("t2", 30))
    await asyncio.sleep(0)
    run_arrivals.run_admitted("t1")
    await asyncio.wait_for(mine, 1)
    assert not other.done()
    other.cancel()
    await asyncio.gather(other, return_exceptions=True)
    assert run_arrivals._waiting == {}  # nothing kept for streams that stopped waiting


async def test_without_a_run_the_wait_ends_at_its_timeout() -> None:
    await asyncio.wait_for(run_arrivals.next_run_or_timeout("t3", 0.01), 1)
    assert "t3" not in run_arrivals._waiting
