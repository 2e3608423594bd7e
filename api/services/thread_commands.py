"""Agent Protocol v2 commands (`POST /threads/{id}/commands`): `run.start` and `input.respond`
create ordinary runs through `create_run`; the rest answer with the protocol's error envelope.

Over HTTP there is no session: subscriptions are the event stream's connection, so
`subscription.*` and `agent.getTree` (which needs a bound run) answer as the official server does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import ValidationError
from starlette.exceptions import HTTPException

from activities.storage import ThreadRow, queries
from api.context import AppContext
from api.errors import DomainError
from api.schemas.runs import RunCreateStateful
from api.services.runs import create_run
from api.services.threads import check_thread_access
from workflows.streaming import EVENT_STREAMING_V2_KEY

# How long `input.respond` waits for a busy thread's interrupts to be recorded (the official ~5 s).
INTERRUPT_WAIT_SECS = 5.0


class CommandError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


NOT_A_COMMAND = "A command needs an integer `id` and a string `method`"


def is_command(body: Any) -> bool:
    """`{"id": <int>, "method": <str>, ...}`, over HTTP and on a socket alike."""
    return (
        isinstance(body, dict)
        and isinstance(body.get("id"), int)
        and not isinstance(body.get("id"), bool)
        and isinstance(body.get("method"), str)
    )


def error_envelope(command_id: Any, code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "id": command_id, "error": code, "message": message}


def success_envelope(command_id: Any, result: dict[str, Any]) -> dict[str, Any]:
    return {"type": "success", "id": command_id, "result": result, "meta": {"applied_through_seq": 0}}


def _run_payload(params: dict[str, Any], assistant_id: str, **fields: Any) -> RunCreateStateful:
    """The run a command starts; `create_run(..., protocol=True)` gives it its graph's stream modes."""
    try:
        config = params.get("config") or {}
        if not isinstance(config, dict) or not isinstance(config.get("configurable") or {}, dict):
            raise CommandError("invalid_argument", "`config` must be an object (and its `configurable` too)")
        config = dict(config)
        # Marks the run as the thread protocol's (its `tools` mode is allowed), as the official server.
        config["configurable"] = {**(config.get("configurable") or {}), EVENT_STREAMING_V2_KEY: True}
        return RunCreateStateful(
            config=config,
            metadata=params.get("metadata") or {},
            stream_subgraphs=True,
            stream_resumable=True,
            if_not_exists="create",
            multitask_strategy=params.get("multitaskStrategy") or "enqueue",
            assistant_id=assistant_id,
            **fields,
        )
    except ValidationError as exc:
        raise CommandError("invalid_argument", str(exc.errors()[0].get("msg", exc))) from None


async def _thread_and_interrupts(ctx: AppContext, thread_id: str) -> tuple[ThreadRow | None, set[str]]:
    """The thread's row and the ids of its pending interrupts (none for a missing thread)."""
    async with ctx.db.session() as session:
        thread = await queries.get_thread(session, thread_id)
    if thread is None:
        return None, set()
    return thread, {str(i.get("id")) for wires in (thread.interrupts or {}).values() for i in wires if isinstance(i, dict)}


async def _run_start(ctx: AppContext, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    assistant_id = params.get("assistant_id")
    if not isinstance(assistant_id, str) or not assistant_id:
        raise CommandError("invalid_argument", "run.start requires an assistant_id.")
    run_input = params.get("input")
    # The official resume rule: input sent to a thread with pending interrupts resumes it.
    if run_input is not None and (await _thread_and_interrupts(ctx, thread_id))[1]:
        payload = _run_payload(params, assistant_id, command={"resume": run_input})
    else:
        payload = _run_payload(params, assistant_id, input=run_input)
    run = await create_run(ctx, thread_id, payload, protocol=True)
    return {"run_id": run["run_id"]}


async def _input_respond(ctx: AppContext, thread_id: str, params: dict[str, Any]) -> dict[str, Any]:
    if isinstance(params.get("responses"), list):
        responses = params["responses"]
    elif "interrupt_id" in params:
        responses = [{"interrupt_id": params["interrupt_id"], "response": params.get("response")}]
    else:
        raise CommandError("invalid_argument", "input.respond requires an interrupt_id.")
    wanted = {str(r.get("interrupt_id")) for r in responses if isinstance(r, dict)}
    # A thread the project's handler hides has no run to answer, to this caller.
    await check_thread_access(
        ctx, thread_id, "read", missing=lambda: CommandError("no_such_run", "No interrupted run is bound to this thread.")
    )
    deadline = asyncio.get_running_loop().time() + INTERRUPT_WAIT_SECS
    while True:  # a run that just interrupted may not have recorded its interrupts yet
        thread, pending = await _thread_and_interrupts(ctx, thread_id)
        if wanted <= pending or thread is None or thread.status != "busy":
            break
        if asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    missing = sorted(wanted - pending)
    if missing:
        raise CommandError("no_such_interrupt", f"Unknown or already-consumed interrupt: {missing[0]}")
    assistant_id = ((thread.meta or {}) if thread else {}).get("assistant_id")
    if not assistant_id:
        raise CommandError("no_such_run", "The thread has no run to resume")
    command: dict[str, Any] = {"resume": {str(r["interrupt_id"]): r.get("response") for r in responses}}
    for key in ("update", "goto"):
        if params.get(key) is not None:
            command[key] = params[key]
    await create_run(ctx, thread_id, _run_payload(params, assistant_id, command=command), protocol=True)
    return {}


async def execute(ctx: AppContext, thread_id: str, command: dict[str, Any]) -> dict[str, Any]:
    """One command's answer: the success envelope, or the error envelope (both are HTTP 200)."""
    command_id, method = command["id"], command["method"]
    params = command.get("params") or {}
    try:
        if not isinstance(params, dict):
            raise CommandError("invalid_argument", "`params` must be an object")
        if method == "run.start":
            result = await _run_start(ctx, thread_id, params)
        elif method == "input.respond":
            result = await _input_respond(ctx, thread_id, params)
        elif method == "agent.getTree":
            raise CommandError("no_such_run", "No active run is bound to this thread.")
        else:
            raise CommandError("unknown_command", f"Unknown protocol command: {method}")
    except CommandError as exc:
        return error_envelope(command_id, exc.code, exc.message)
    except DomainError as exc:
        if exc.status_code == 403:  # the project's auth handler refused (as the official envelope words it)
            return error_envelope(command_id, "unknown_error", f"403: {exc.detail}")
        code = {404: "no_such_run", 409: "invalid_argument", 422: "invalid_argument"}.get(exc.status_code, "invalid_argument")
        return error_envelope(command_id, code, exc.detail)
    except HTTPException as exc:  # raised by the project's auth handler
        return error_envelope(command_id, "unknown_error", f"{exc.status_code}: {exc.detail}")
    return success_envelope(command_id, result)
