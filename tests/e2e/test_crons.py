"""Crons through the official SDK, each a Temporal Schedule: created, listed, counted, changed and
deleted through the API; fired through Temporal (`trigger`, as `temporal schedule trigger` does)
into ordinary runs; paused from Temporal (`temporal schedule toggle`) and shown so by the API."""

from __future__ import annotations

import uuid

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError
from temporalio.client import Client
from temporalio.service import RPCError

from tests.conftest import Stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(90)


async def _temporal(stack: Stack) -> Client:
    return await Client.connect(stack.env["TEMPORAL_ADDRESS"])


async def test_a_thread_cron_fires_runs_on_its_thread(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    cron = await client.crons.create_for_thread(
        thread["thread_id"], "gated", schedule="0 9 * * 1", input={"label": "cron"}, metadata={"team": "a"}
    )
    assert cron["thread_id"] == thread["thread_id"] and cron["schedule"] == "0 9 * * 1"
    assert cron["enabled"] is True and cron["next_run_date"] is not None and cron["end_time"] is None
    assert cron["payload"]["config"]["configurable"]["cron_id"] == cron["cron_id"]
    assert cron["metadata"] == {"team": "a"} and cron["user_id"] == ""

    temporal = await _temporal(stack)
    schedule = temporal.get_schedule_handle(f"cron-{cron['cron_id']}")
    await schedule.trigger()  # as `temporal schedule trigger --schedule-id cron-<id>`

    async def one_run_done() -> None:
        runs = await client.runs.list(thread["thread_id"])
        assert len(runs) == 1 and runs[0]["status"] == "success"

    await assert_eventually(one_run_done)
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["label"] == "cron"  # the cron's input
    run = (await client.runs.list(thread["thread_id"]))[0]
    assert run["kwargs"]["config"]["configurable"]["cron_id"] == cron["cron_id"]

    await schedule.pause()  # as `temporal schedule toggle --pause`
    shown = (await client.crons.search(thread_id=thread["thread_id"]))[0]
    assert shown["enabled"] is False
    assert await client.crons.search(thread_id=thread["thread_id"], enabled=True) == []


async def test_a_stateless_cron_runs_each_firing_on_a_new_thread(stack: Stack) -> None:
    client = get_client(url=stack.url)
    marker = uuid.uuid4().hex
    cron = await client.crons.create(
        "gated", schedule="*/5 * * * *", input={"label": marker}, on_run_completed="keep", metadata={"m": marker},
        timezone="Europe/Paris",
    )
    assert cron["thread_id"] is None and cron["on_run_completed"] == "keep" and cron["timezone"] == "Europe/Paris"
    temporal = await _temporal(stack)
    await temporal.get_schedule_handle(f"cron-{cron['cron_id']}").trigger()

    async def kept_thread_with_the_result() -> None:
        found = await client.threads.search(values={"label": marker})
        assert len(found) == 1 and found[0]["status"] == "idle"

    await assert_eventually(kept_thread_with_the_result)


async def test_search_count_patch_and_delete(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    first = await client.crons.create_for_thread(thread["thread_id"], "gated", schedule="0 1 * * *", input={})
    second = await client.crons.create_for_thread(thread["thread_id"], "gated", schedule="0 2 * * *", input={})
    assert await client.crons.count(thread_id=thread["thread_id"]) == 2
    listed = await client.crons.search(thread_id=thread["thread_id"], sort_by="created_at", sort_order="asc")
    assert [c["cron_id"] for c in listed] == [first["cron_id"], second["cron_id"]]
    # Newest first by default: the second page of one is the older cron.
    page = await client.crons.search(thread_id=thread["thread_id"], limit=1, offset=1, select=["cron_id", "schedule"])
    assert page == [{"cron_id": first["cron_id"], "schedule": "0 1 * * *"}]

    patched = await client.crons.update(first["cron_id"], schedule="30 3 * * *", enabled=False, metadata={"v": 2})
    assert patched["schedule"] == "30 3 * * *" and patched["enabled"] is False and patched["metadata"] == {"v": 2}
    assert patched["payload"]["schedule"] == "30 3 * * *"
    temporal = await _temporal(stack)
    described = await temporal.get_schedule_handle(f"cron-{first['cron_id']}").describe()
    assert described.schedule.state.paused
    # (Temporal keeps a cron expression as calendars: its next action time shows the new schedule.)
    upcoming = described.info.next_action_times[0]
    assert (upcoming.hour, upcoming.minute) == (3, 30)

    await client.crons.delete(first["cron_id"])
    with pytest.raises(RPCError):
        await temporal.get_schedule_handle(f"cron-{first['cron_id']}").describe()
    with pytest.raises(NotFoundError):
        await client.crons.delete(first["cron_id"])
    assert await client.crons.count(thread_id=thread["thread_id"]) == 1

    # Deleting the thread removes its remaining cron and schedule.
    await client.threads.delete(thread["thread_id"])
    assert await client.crons.count(thread_id=thread["thread_id"]) == 0
    with pytest.raises(RPCError):
        await temporal.get_schedule_handle(f"cron-{second['cron_id']}").describe()


async def test_bad_crons_are_refused(stack: Stack) -> None:
    client = get_client(url=stack.url)
    with pytest.raises(UnprocessableEntityError, match="Invalid cron schedule"):
        await client.crons.create("gated", schedule="nope")
    with pytest.raises(UnprocessableEntityError, match="timezone"):
        await client.crons.create("gated", schedule="* * * * *", timezone="Mars/Base")
    with pytest.raises(NotFoundError):
        await client.crons.create_for_thread(str(uuid.uuid4()), "gated", schedule="* * * * *")
    with pytest.raises(NotFoundError):
        await client.crons.create(str(uuid.uuid4()), schedule="* * * * *")
    with pytest.raises(NotFoundError):
        await client.crons.update(str(uuid.uuid4()), enabled=False)
    assert await client.crons.search(assistant_id=str(uuid.uuid4())) == []


@pytest.mark.timeout(120)
async def test_a_cron_fires_on_the_minute_by_itself(sqlite_stack: Stack) -> None:
    # One real tick of Temporal's scheduler (no trigger): at most a minute away.
    client = get_client(url=sqlite_stack.url)
    thread = await client.threads.create()
    cron = await client.crons.create_for_thread(thread["thread_id"], "gated", schedule="* * * * *", input={"label": "tick"})

    async def ran() -> None:
        runs = await client.runs.list(thread["thread_id"])
        assert runs and runs[-1]["status"] == "success"

    try:
        await assert_eventually(ran, timeout=75, interval=0.5)
    finally:
        await client.crons.delete(cron["cron_id"])


async def test_crons_sort_by_their_next_run(stack: Stack) -> None:
    client = get_client(url=stack.url)
    thread = await client.threads.create()
    later = await client.crons.create_for_thread(thread["thread_id"], "gated", schedule="0 0 1 1 *", input={})
    sooner = await client.crons.create_for_thread(thread["thread_id"], "gated", schedule="* * * * *", input={}, enabled=False)
    ascending = await client.crons.search(thread_id=thread["thread_id"], sort_by="next_run_date", sort_order="asc")
    assert [c["cron_id"] for c in ascending] == [sooner["cron_id"], later["cron_id"]]
    descending = await client.crons.search(thread_id=thread["thread_id"], sort_by="next_run_date", sort_order="desc")
    assert [c["cron_id"] for c in descending] == [later["cron_id"], sooner["cron_id"]]
    await client.threads.delete(thread["thread_id"])
