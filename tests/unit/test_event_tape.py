"""The thread tape's `since` skip (api/services/event_stream.py): runs whose events a client already
has are not read again once their event count is known."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest

from api.services import event_stream


class _Done(Exception):
    pass


@pytest.fixture
def fake_thread(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A thread of three finished runs of 2, 3 and 4 events; `read` lists the runs whose streams were read."""
    runs = [SimpleNamespace(run_id=f"r{i}") for i in range(3)]
    sizes = {"r0": 2, "r1": 3, "r2": 4}
    read: list[str] = []

    async def next_run(_session: Any, _thread_id: str, after: str) -> Any:
        ids = [r.run_id for r in runs]
        index = ids.index(after) + 1 if after else 0
        if index == len(runs):
            raise _Done  # the tape would wait for the thread's next run here
        return runs[index]

    async def run_events(_ctx: Any, run: Any) -> AsyncIterator[dict[str, Any]]:
        read.append(run.run_id)
        for k in range(sizes[run.run_id]):
            yield {"event_id": f"{run.run_id}:{k}"}

    @contextlib.asynccontextmanager
    async def session() -> AsyncIterator[None]:
        yield None

    monkeypatch.setattr(event_stream.queries, "next_run", next_run)
    monkeypatch.setattr(event_stream, "_run_v2_events", run_events)
    monkeypatch.setattr(event_stream, "RUN_EVENT_COUNTS", event_stream.RunEventCounts())
    return {"ctx": SimpleNamespace(db=SimpleNamespace(session=session)), "read": read}


async def _tape(ctx: Any, skip_through: int = 0) -> list[tuple[int, str]]:
    seen: list[tuple[int, str]] = []
    with contextlib.suppress(_Done):
        async for event in event_stream.thread_tape(ctx, "t", skip_through=skip_through):
            seen.append((event["seq"], event["event_id"]))
    return seen


async def test_a_reconnect_skips_the_runs_it_has_and_keeps_the_seq(fake_thread: dict[str, Any]) -> None:
    everything = await _tape(fake_thread["ctx"])
    assert [seq for seq, _ in everything] == list(range(1, 10)) and fake_thread["read"] == ["r0", "r1", "r2"]
    fake_thread["read"].clear()
    rest = await _tape(fake_thread["ctx"], skip_through=6)
    assert fake_thread["read"] == ["r2"]  # r0 and r1 (seq 1-5) skipped unread; r2 holds seq 6
    assert [e for e in everything if e[0] >= 6] == rest[-4:]


async def test_a_run_not_counted_yet_is_read(fake_thread: dict[str, Any]) -> None:
    rest = await _tape(fake_thread["ctx"], skip_through=6)  # a fresh API process: no counts yet
    assert fake_thread["read"] == ["r0", "r1", "r2"] and [seq for seq, _ in rest] == list(range(1, 10))
