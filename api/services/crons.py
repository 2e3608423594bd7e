"""Crons: each is a row (what the API lists) and a Temporal Schedule (what fires it).

The schedule (`cron-{cron_id}`, visible in the Temporal UI and `temporal schedule list`) starts a
`CronFireWorkflow` at each tick, whose activity (`CronFiring.fire_cron`, registered by the worker)
creates an ordinary run with `create_run`, the path every run takes. `enabled` and `next_run_date`
are read from the schedule, so `temporal schedule toggle` / `trigger` show in the API.

Catch-up: a tick missed while Temporal or the workers were down still fires if it is at most
`CATCHUP_WINDOW` late, once; older ticks are skipped (the next one comes as scheduled).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import delete, func, select
from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.client import (
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.service import RPCError, RPCStatusCode

from activities.storage import queries
from activities.storage.tables import CronRow, utcnow
from activities.auth_user import AuthUser
from api.auth.authorize import Caller, authorize, current_caller
from api.auth.filters import matches
from api.context import AppContext
from api.errors import DomainError, InvalidRequest, NotFound
from api.schemas.crons import CronCount, CronCreate, CronPatch, CronSearch, ThreadCronCreate
from api.schemas.runs import RunCreateStateful, RunCreateStateless
from api.services.assistants import resolve_assistant
from api.services.runs import check_webhook, create_run, create_stateless_run
from api.services.serialize import iso, parse_iso, select_fields, utc
from api.services.threads import parse_uuid
from workflows.cron import CronFire, CronFireWorkflow, cron_schedule_id
from workflows.types import uuid7

log = logging.getLogger("agent_server.api")

CATCHUP_WINDOW = timedelta(minutes=1)
# The payload keys that configure the schedule, not the runs it creates.
_SCHEDULE_KEYS = {"schedule", "timezone", "end_time", "enabled", "on_run_completed", "multitask_strategy"}


def _timezone(name: str | None) -> str:
    if not name:
        return "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidRequest(f"Invalid timezone: {name!r} is not an IANA time zone name") from None
    return name


def _end_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        raise InvalidRequest(f"Invalid end_time: {value!r} is not an ISO 8601 date and time") from None


def _schedule(ctx: AppContext, row: CronRow) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            CronFireWorkflow.run,
            CronFire(cron_id=row.cron_id),
            id=cron_schedule_id(row.cron_id),
            task_queue=ctx.settings.task_queue,
        ),
        spec=ScheduleSpec(
            cron_expressions=[row.schedule], time_zone_name=row.timezone or "UTC",
            end_at=utc(row.end_time) if row.end_time is not None else None,
        ),
        # Overlapping firings are fine: the runs they create follow the cron's multitask strategy.
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.ALLOW_ALL, catchup_window=CATCHUP_WINDOW),
        state=ScheduleState(paused=not row.enabled, note=f"cron of {row.thread_id or 'new threads'}"),
    )


def _invalid_schedule(schedule: str, exc: RPCError) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid cron schedule: {schedule!r}. Reason: {exc.message}. Use the standard cron format "
        "(minute hour day_of_month month day_of_week), e.g. '*/5 * * * *' for every 5 minutes."
    )


async def _describe(ctx: AppContext, cron_id: str) -> ScheduleDescription | None:
    try:
        return await ctx.client.get_schedule_handle(cron_schedule_id(cron_id)).describe()
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            return None
        raise


def cron_to_wire(row: CronRow, live: ScheduleDescription | None) -> dict[str, Any]:
    """The official `Cron`; `enabled` and `next_run_date` as the schedule has them (a cron whose
    schedule is gone is disabled)."""
    next_times = live.info.next_action_times if live is not None else []
    return {
        "cron_id": row.cron_id,
        "assistant_id": row.assistant_id,
        "thread_id": row.thread_id,
        "user_id": row.user_id,
        "end_time": iso(row.end_time),
        "schedule": row.schedule,
        "timezone": row.timezone,
        "payload": row.payload,
        "next_run_date": iso(next_times[0]) if next_times else None,
        "metadata": row.meta or {},
        "on_run_completed": row.on_run_completed,
        "enabled": live is not None and not live.schedule.state.paused,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }


async def _check_run_fields(ctx: AppContext, payload: CronCreate | ThreadCronCreate | CronPatch) -> None:
    if payload.webhook:
        await check_webhook(ctx, payload.webhook)


async def create_cron(ctx: AppContext, payload: CronCreate | ThreadCronCreate, thread_id: str | None = None) -> dict[str, Any]:
    """A cron on a thread (each firing runs there) or a stateless one (each firing on a new thread)."""
    cron_id = uuid7()
    caller = current_caller.get()
    body = payload.model_dump(exclude_unset=True)
    metadata = dict(payload.metadata or {})
    # The project's handler may stamp the metadata (an owner) or change the runs' payload: both are stored.
    await authorize(ctx, "crons", "create", {
        "payload": body, "schedule": payload.schedule, "cron_id": cron_id, "thread_id": thread_id,
        "user_id": caller.user.identity if caller else None, "end_time": payload.end_time, "metadata": metadata,
    })
    missing_assistant = lambda a: NotFound(f"Assistant '{a}' not found")  # noqa: E731
    assistant = await resolve_assistant(ctx, payload.assistant_id, missing=missing_assistant)
    if (assistant.meta or {}).get("created_by") != "system":
        if not matches(assistant.meta, await authorize(ctx, "assistants", "read", {"assistant_id": payload.assistant_id})):
            raise missing_assistant(payload.assistant_id)
    if thread_id is not None:
        readable = await authorize(ctx, "threads", "read", {"thread_id": thread_id, "metadata": metadata})
        async with ctx.db.session() as session:
            thread_metadata = await queries.thread_metadata(session, thread_id)
        if thread_metadata is None or not matches(thread_metadata, readable):
            raise NotFound(
                f"Thread with ID '{thread_id}' not found. Please verify the ID is correct and the "
                "thread hasn't been deleted or expired."
            )
    _timezone(payload.timezone)
    end_time = _end_time(payload.end_time)
    await _check_run_fields(ctx, payload)
    body["assistant_id"] = assistant.assistant_id
    config = dict(body.get("config") or {})
    config["configurable"] = {**(config.get("configurable") or {}), "cron_id": cron_id}
    body["config"] = config
    now = utcnow()
    row = CronRow(
        cron_id=cron_id,
        assistant_id=assistant.assistant_id,
        thread_id=thread_id,
        user_id=caller.user.identity if caller and ctx.auth else "",  # its runs act as this user
        schedule=payload.schedule,
        timezone=payload.timezone,
        end_time=end_time,
        payload=body,
        meta=metadata,
        on_run_completed=getattr(payload, "on_run_completed", None),
        enabled=payload.enabled,
        created_at=now,
        updated_at=now,
    )
    # The row first: a crash before the schedule exists leaves a cron the API shows disabled,
    # never a schedule firing for a cron nobody can see.
    async with ctx.db.session() as session:
        session.add(row)
    try:
        await ctx.client.create_schedule(cron_schedule_id(cron_id), _schedule(ctx, row))
    except RPCError as exc:
        async with ctx.db.session() as session:
            await session.execute(delete(CronRow).where(CronRow.cron_id == cron_id))
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid_schedule(payload.schedule, exc) from None
        raise
    return cron_to_wire(row, await _describe(ctx, cron_id))


async def _require_cron(
    ctx: AppContext, cron_id: str, missing: str | None = None, action: str = "read", value: dict[str, Any] | None = None
) -> CronRow:
    """The cron's row; a 404 worded as the official server words it for that route (also for a cron
    the project's handler filters out for `action`: it is missing to the caller)."""
    parse_uuid(cron_id, "cron")
    found = await authorize(ctx, "crons", action, value or {"cron_id": cron_id})
    async with ctx.db.session() as session:
        row = await session.get(CronRow, cron_id)
    if row is None or not matches(row.meta, found):
        raise NotFound(missing or f"Cron '{cron_id}' not found")
    return row


async def get_cron(ctx: AppContext, cron_id: str) -> dict[str, Any]:
    row = await _require_cron(ctx, cron_id)
    return cron_to_wire(row, await _describe(ctx, cron_id))


async def patch_cron(ctx: AppContext, cron_id: str, patch: CronPatch) -> dict[str, Any]:
    """Change a cron's schedule or the runs it creates; the schedule follows in the same request."""
    changes = patch.model_dump(exclude_unset=True)
    asked = {
        "cron_id": cron_id, "schedule": patch.schedule, "end_time": patch.end_time, "enabled": patch.enabled,
        "on_run_completed": changes.get("on_run_completed"), "payload": changes,
        **({"metadata": changes["metadata"]} if "metadata" in changes else {}),
    }
    row = await _require_cron(ctx, cron_id, action="update", value=asked)
    if "timezone" in changes:
        _timezone(changes["timezone"])
    end_time = _end_time(changes["end_time"]) if changes.get("end_time") else None
    await _check_run_fields(ctx, patch)
    payload = {**row.payload, **changes}
    if "config" in changes:  # the cron's own id stays in every run's configurable
        payload["config"] = {**changes["config"], "configurable": {**(changes["config"].get("configurable") or {}), "cron_id": cron_id}}
    row.payload = payload
    row.schedule = changes.get("schedule") or row.schedule
    if "timezone" in changes:
        row.timezone = changes["timezone"]
    if "end_time" in changes:
        row.end_time = end_time
    if "metadata" in changes:  # merged, with what the project's handler stamped, as the official server does
        row.meta = {**(row.meta or {}), **(asked.get("metadata") or {})}
    if "on_run_completed" in changes and row.thread_id is None:
        row.on_run_completed = changes["on_run_completed"]
    if changes.get("enabled") is not None:
        row.enabled = changes["enabled"]
    row.updated_at = utcnow()
    wanted = _schedule(ctx, row)
    live = await _describe(ctx, cron_id)
    if live is not None and "enabled" not in changes:
        wanted.state.paused = live.schedule.state.paused  # a toggle from the CLI stays

    def updated(_input: ScheduleUpdateInput) -> ScheduleUpdate:
        return ScheduleUpdate(schedule=wanted)

    try:
        if live is None:
            await ctx.client.create_schedule(cron_schedule_id(cron_id), wanted)
        else:
            await ctx.client.get_schedule_handle(cron_schedule_id(cron_id)).update(updated)
    except RPCError as exc:
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            raise _invalid_schedule(row.schedule, exc) from None
        raise
    async with ctx.db.session() as session:
        await session.merge(row)
    return cron_to_wire(row, await _describe(ctx, cron_id))


async def delete_cron(ctx: AppContext, cron_id: str) -> None:
    await _require_cron(ctx, cron_id, missing="Not Found", action="delete")
    await _delete_schedule(ctx, cron_id)
    async with ctx.db.session() as session:
        await session.execute(delete(CronRow).where(CronRow.cron_id == cron_id))


async def _delete_schedule(ctx: AppContext, cron_id: str) -> None:
    try:
        await ctx.client.get_schedule_handle(cron_schedule_id(cron_id)).delete()
    except RPCError as exc:
        if exc.status != RPCStatusCode.NOT_FOUND:
            raise


async def _delete_crons_where(ctx: AppContext, condition: Any) -> None:
    async with ctx.db.session() as session:
        ids = list((await session.execute(select(CronRow.cron_id).where(condition))).scalars())
    for cron_id in ids:
        await _delete_schedule(ctx, cron_id)
    if ids:
        async with ctx.db.session() as session:
            await session.execute(delete(CronRow).where(CronRow.cron_id.in_(ids)))  # type: ignore[attr-defined]


async def delete_crons_of_thread(ctx: AppContext, thread_id: str) -> None:
    """A deleted thread takes its crons (and their schedules) with it."""
    await _delete_crons_where(ctx, CronRow.thread_id == thread_id)


async def delete_crons_of_assistant(ctx: AppContext, assistant_id: str) -> None:
    """A deleted assistant takes its crons (and their schedules) with it."""
    await _delete_crons_where(ctx, CronRow.assistant_id == assistant_id)


def _filtered(query: Any, request: CronSearch | CronCount) -> Any:
    if request.assistant_id is not None:
        query = query.where(CronRow.assistant_id == parse_uuid(request.assistant_id, "assistant"))
    if request.thread_id is not None:
        query = query.where(CronRow.thread_id == parse_uuid(request.thread_id, "thread"))
    return query


def _metadata_matches(row: CronRow, wanted: dict[str, Any] | None) -> bool:
    return not wanted or all((row.meta or {}).get(k) == v for k, v in wanted.items())


async def _visible(ctx: AppContext, request: CronSearch | CronCount, rows: list[CronRow]) -> list[CronRow]:
    """The crons the project's handlers let the caller see: by the cron's metadata (`crons:search`)
    and, for a thread's cron, its thread's (`threads:read` of the thread asked for, else `threads:search`)."""
    paged = isinstance(request, CronSearch)
    own = await authorize(ctx, "crons", "search", {
        "assistant_id": request.assistant_id, "thread_id": request.thread_id,
        "limit": request.limit if paged else 0, "offset": request.offset if paged else 0,
        "metadata": request.metadata or {},
    })
    if request.thread_id is not None:
        of_threads = await authorize(ctx, "threads", "read", {"thread_id": request.thread_id})
    else:
        of_threads = await authorize(ctx, "threads", "search", {})
    rows = [r for r in rows if matches(r.meta, own)]
    if of_threads is None:
        return rows
    async with ctx.db.session() as session:
        known = await queries.threads_metadata(session, sorted({r.thread_id for r in rows if r.thread_id is not None}))
    return [r for r in rows if r.thread_id is None or matches(known.get(r.thread_id), of_threads)]


async def search_crons(ctx: AppContext, request: CronSearch) -> tuple[list[dict[str, Any]], int]:
    """Crons by assistant, thread, `enabled` (as the schedules have it) and metadata, sorted and
    paged, and how many matched in all."""
    query = _filtered(select(CronRow), request)
    if request.sort_by != "next_run_date":  # the schedule's, known only once described
        column = getattr(CronRow, request.sort_by)
        query = query.order_by(column.asc() if request.sort_order == "asc" else column.desc(), CronRow.cron_id)
    # Paged in SQL unless the page depends on what only the schedules know.
    by_schedule = request.enabled is not None or request.sort_by == "next_run_date"
    async with ctx.db.session() as session:
        rows = [r for r in (await session.execute(query)).scalars() if _metadata_matches(r, request.metadata)]
    rows = await _visible(ctx, request, rows)
    total = len(rows)
    if not by_schedule:
        rows = rows[request.offset : request.offset + request.limit]
    described = await asyncio.gather(*(_describe(ctx, row.cron_id) for row in rows))
    found = [cron_to_wire(row, live) for row, live in zip(rows, described, strict=True)]
    if not by_schedule:
        return [select_fields(item, request.select) for item in found], total
    if request.enabled is not None:
        found = [c for c in found if c["enabled"] == request.enabled]
    if request.sort_by == "next_run_date":  # ISO strings in UTC sort as times; crons with none last
        dated = sorted((c for c in found if c["next_run_date"]), key=lambda c: c["next_run_date"],
                       reverse=request.sort_order == "desc")
        found = dated + [c for c in found if not c["next_run_date"]]
    page = found[request.offset : request.offset + request.limit]
    return [select_fields(item, request.select) for item in page], len(found)


async def count_crons(ctx: AppContext, request: CronCount) -> int:
    async with ctx.db.session() as session:
        if not request.metadata and ctx.auth is None:
            return int((await session.execute(_filtered(select(func.count()).select_from(CronRow), request))).scalar_one())
        rows = [r for r in (await session.execute(_filtered(select(CronRow), request))).scalars() if _metadata_matches(r, request.metadata)]
    return len(await _visible(ctx, request, rows))


class CronFiring:
    """The worker's side of crons: a firing creates the cron's run (an activity of CronFireWorkflow)."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    @activity.defn(name="fire_cron")
    async def fire_cron(self, fire: CronFire) -> str | None:
        try:
            return await self._fire(fire)
        except DomainError as exc:  # the thread is busy (`reject`), the assistant gone, ...: not retried
            raise ApplicationError(f"cron {fire.cron_id}: {exc.detail}", type=type(exc).__name__, non_retryable=True) from None

    async def _fire(self, fire: CronFire) -> str | None:
        ctx = self._ctx
        async with ctx.db.session() as session:
            row = await session.get(CronRow, fire.cron_id)
        if row is None:  # deleted meanwhile: its schedule goes too
            await _delete_schedule(ctx, fire.cron_id)
            return None
        fields = {k: v for k, v in row.payload.items() if k not in _SCHEDULE_KEYS}
        # The run is the cron's creator's (as the official server: that identity, no permissions).
        if row.user_id:
            current_caller.set(Caller(AuthUser({"identity": row.user_id}), ()))
        if row.thread_id is not None:
            created = await create_run(
                ctx, row.thread_id,
                RunCreateStateful(**fields, multitask_strategy=row.payload.get("multitask_strategy", "enqueue")),
            )
        else:
            created = await create_stateless_run(
                ctx, RunCreateStateless(**fields, on_completion=row.on_run_completed or "delete")
            )
        activity.logger.info("cron %s created run %s", fire.cron_id, created["run_id"])
        return str(created["run_id"])
