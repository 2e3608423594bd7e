"""A2A (Agent2Agent, JSON-RPC) for each assistant at `/a2a/{assistant_id}`, as the official server
serves it: the agent card; `message/send` (a run on the thread named by `contextId`, a new one
without it, waited for), `message/stream` (the same run's progress as server-sent events),
`tasks/get`, `tasks/cancel`; and the v1 names (`SendMessage`, `SendStreamingMessage`, `GetTask`,
`CancelTask`, `ListTasks`, `GetExtendedAgentCard`), which answer in the v1 form (`ROLE_*`, `TASK_STATE_*`, a
send's task under `task`).

A task is one run: its id is `<thread_id>:<run_id>`, its context the thread. A message's text parts
become human messages (their `messageId` the message id), data parts join the input; the reply is
the run's last AI message with content after the message sent (the `Assistant Response`
artifact), the history the thread's messages as A2A messages. Runs are ordinary durable runs, made
through `create_run` as the caller, so custom auth applies (api/auth/).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from sqlmodel import select

from activities.storage import RunRow, queries
from api.auth.authorize import authorize
from api.auth.filters import matches
from api.context import AppContext
from api.errors import DomainError
from api.schemas.runs import RunCreateStateful
from api.services.assistants import get_assistant, get_schemas
from api.services.runs import _await_outcome, cancel_run, create_run
from api.services.serialize import iso, parse_iso, utc
from api.services.threads import check_thread_access
from api.services.streams import _run_stream
from workflows.types import uuid7

HISTORY_SCOPE_HEADER = "LangGraph-A2A-History-Scope"
MODES = ["application/json", "text/plain"]
SPEC_METHODS = {"message/send": "SendMessage", "message/stream": "SendStreamingMessage", "tasks/get": "GetTask", "tasks/cancel": "CancelTask"}
METHODS = {"SendMessage", "SendStreamingMessage", "GetTask", "CancelTask", "ListTasks", "GetExtendedAgentCard"}
TERMINAL = {"completed", "failed", "canceled", "rejected"}
_STATE_OF_RUN = {"pending": "submitted", "running": "working", "success": "completed", "interrupted": "canceled", "error": "failed", "timeout": "failed"}


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _version() -> str:
    try:
        return version("temporal-agent-server")
    except PackageNotFoundError:
        return "0"


# --- the v1 form: the same objects with the v1 enum spellings --------------------------------

_V1_ROLES = {"user": "ROLE_USER", "agent": "ROLE_AGENT"}
_V1_STATES = {s: "TASK_STATE_" + s.upper().replace("-", "_") for s in
              ("submitted", "working", "completed", "failed", "canceled", "input-required", "rejected", "auth-required")}


def as_v1(value: Any) -> Any:
    if isinstance(value, list):
        return [as_v1(v) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, item in value.items():
        if key == "role" and isinstance(item, str):
            out[key] = _V1_ROLES.get(item, item)
        elif key == "state" and isinstance(item, str):
            out[key] = _V1_STATES.get(item, item)
        else:
            out[key] = as_v1(item)
    return out


# --- the agent card ----------------------------------------------------------------------------


async def agent_card(ctx: AppContext, assistant_id: str, base_url: str) -> dict[str, Any]:
    assistant = await get_assistant(ctx, assistant_id)
    schemas = await get_schemas(ctx, assistant["assistant_id"])
    schema = schemas.get("input_schema") or schemas.get("state_schema") or {}
    properties = sorted((schema.get("properties") or {}).keys())
    url = f"{base_url}/a2a/{assistant['assistant_id']}"
    description = assistant.get("description") or f"{assistant['name']} assistant"
    modes = _modes(assistant)
    return {
        "name": assistant["name"],
        "description": description,
        "url": url,
        "supportedInterfaces": [{"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}],
        "capabilities": {
            "streaming": True, "pushNotifications": False, "stateTransitionHistory": False,
            "extensions": [{
                "uri": "https://langchain.com/a2a/extensions/history-scope/v1",
                "description": "Choose task-only or full-context response history",
                "required": False,
                "params": {"header": HISTORY_SCOPE_HEADER, "values": ["context", "task"], "default": "context",
                           "methods": ["SendMessage", "GetTask", "ListTasks"]},
            }],
        },
        "defaultInputModes": modes["input_modes"],
        "defaultOutputModes": modes["output_modes"],
        "skills": [{
            "id": f"{assistant['assistant_id']}-main",
            "name": f"{assistant['name']} Capabilities",
            "description": description,
            "tags": ["assistant", "langgraph"],
            "examples": [],
            "inputModes": modes["input_modes"],
            "outputModes": modes["output_modes"],
            "metadata": {"inputSchema": {"required": schema.get("required") or [], "properties": properties,
                                         "supportsA2A": "messages" in properties}},
        }],
        "version": _version(),
    }


def _modes(assistant: dict[str, Any]) -> dict[str, list[str]]:
    configured = ((assistant.get("metadata") or {}).get("a2a") or {})
    found = {}
    for field in ("input_modes", "output_modes"):
        value = configured.get(field)
        if value is None:
            found[field] = MODES
        elif not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
            raise RpcError(-32602, f"Assistant metadata.a2a.{field} must be a non-empty array of strings.")
        else:
            found[field] = value
    return found


# --- messages in and out ----------------------------------------------------------------------


def _input_of(message: dict[str, Any], stamp: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The LangChain messages and the other input a message's parts make."""
    messages: list[dict[str, Any]] = []
    data: dict[str, Any] = {}
    blocks: list[dict[str, Any]] = []
    has_file = False
    for part in message["parts"]:
        if not isinstance(part, dict):
            raise RpcError(-32005, "Each message part must be an object")
        kinds = [k for k in ("text", "file", "data") if k in part]
        if len(kinds) != 1:
            if kinds:
                raise RpcError(-32005, f"Each message part must contain exactly one of 'text', 'file', or 'data'. Got multiple: {kinds}.")
            raise RpcError(-32005, "Each message part must contain exactly one of 'text', 'file', or 'data'.")
        if kinds[0] == "text":
            blocks.append({"type": "text", "text": str(part["text"])})
        elif kinds[0] == "data":
            if not isinstance(part["data"], dict):
                raise RpcError(-32005, "A data part's data must be an object")
            data.update(part["data"])
        else:
            has_file = True
            blocks.append(_file_block(part["file"]))
    base = {"role": "human", "id": message["messageId"], "additional_kwargs": {"a2a": stamp}}
    if has_file:
        messages.append({**base, "content": blocks})
    else:
        for i, block in enumerate(blocks):
            messages.append({**base, "content": block["text"], **({"id": f"{message['messageId']}-{i}"} if i else {})})
    return messages, data


def _file_block(file: Any) -> dict[str, Any]:
    if not isinstance(file, dict) or not (file.get("bytes") or file.get("uri")):
        raise RpcError(-32005, "A file part needs `bytes` or `uri`")
    mime = file.get("mimeType") or file.get("mime_type") or ""
    kind = next((k for k in ("image", "audio", "video") if mime.startswith(k + "/")), "file")
    block: dict[str, Any] = {"type": kind, **({"base64": file["bytes"]} if file.get("bytes") else {"url": file["uri"]})}
    if mime:
        block["mime_type"] = mime
    if file.get("name"):
        block["extras"] = {"filename": file["name"]}
    return block


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") if isinstance(b, dict) and b.get("type") == "text" else b if isinstance(b, str) else "" for b in content)
    return ""


def _parts_of(content: Any) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    text = _text_of(content)
    if text:
        parts.append({"kind": "text", "text": text})
    if isinstance(content, list):
        for block in content:
            if isinstance(block, dict) and block.get("type") in ("image", "audio", "video", "file"):
                file = {k: v for k, v in (("bytes", block.get("base64")), ("uri", block.get("url")), ("mimeType", block.get("mime_type"))) if v}
                parts.append({"kind": "file", "file": file})
    return parts


def _role(message: dict[str, Any]) -> str:
    return "user" if message.get("type") in ("human", "user") else "agent"


def _artifact(values: Any, assistant_id: str) -> dict[str, Any]:
    messages = values.get("messages") if isinstance(values, dict) else None
    if not messages:
        parts = [{"kind": "text", "text": str(values)}]
    else:
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("type") in ("human", "user")), default=-1)
        replies = [m for m in messages[last_human + 1:] if isinstance(m, dict) and m.get("type") == "ai" and _text_of(m.get("content"))]
        parts = _parts_of(replies[-1]["content"]) if replies else [{"kind": "text", "text": ""}]
    return {"artifactId": str(uuid.uuid4()), "name": "Assistant Response",
            "description": f"Response from assistant {assistant_id}", "parts": parts}


async def _task_ids(ctx: AppContext, thread_id: str) -> dict[str, str]:
    """The a2a stamp of each run of the thread (its `task_start_id` or `task_id`) -> its task id."""
    async with ctx.db.session() as session:
        runs = await queries.list_runs(session, thread_id, limit=10000, offset=0, status=None)
    found = {}
    for run in runs:
        stamp = (run.meta or {}).get("a2a") or {}
        for key in ("task_start_id", "task_id"):
            if stamp.get(key):
                found[str(stamp[key])] = f"{thread_id}:{run.run_id}"
    return found


def _history(messages: list[Any], thread_id: str, tasks: dict[str, str]) -> list[dict[str, Any]]:
    """The thread's messages as A2A messages, each with the task it was part of."""
    out, current = [], None
    for m in messages:
        if not isinstance(m, dict):
            continue
        stamp = ((m.get("additional_kwargs") or {}).get("a2a") or {})
        marker = stamp.get("task_id") or stamp.get("task_start_id")
        if marker:
            current = stamp.get("task_id") if stamp.get("task_id") and ":" in str(stamp["task_id"]) else tasks.get(str(marker), current)
        if m.get("type") == "system":
            continue
        if m.get("type") == "tool" and m.get("tool_call_id"):
            result = {"toolCallId": m["tool_call_id"], **{k: v for k, v in (("content", _text_of(m.get("content")) or m.get("content")),
                                                                             ("name", m.get("name")), ("status", m.get("status"))) if v}}
            parts = [{"kind": "data", "data": {"tool_results": [result]}}]
        else:
            parts = _parts_of(m.get("content"))
            if not parts:
                continue
        out.append({"kind": "message", "role": _role(m), "parts": parts, "messageId": m.get("id") or uuid7(),
                    "taskId": current, "contextId": thread_id})
    return out


def _trimmed(history: list[dict[str, Any]], task_id: str, scope: str, length: int | None) -> list[dict[str, Any]]:
    if scope == "task":
        history = [m for m in history if m["taskId"] == task_id]
    if length is not None:
        history = history[-length:] if length else []
    return history


# --- the methods -------------------------------------------------------------------------------


def _configuration(params: dict[str, Any], scope_header: str | None) -> tuple[int | None, str]:
    configuration = params.get("configuration") or {}
    if not isinstance(configuration, dict):
        raise RpcError(-32602, "Invalid params: 'configuration' must be an object")
    length = _history_length(configuration)
    scope = configuration.get("historyScope") or scope_header or "context"
    if scope not in ("context", "task"):
        raise RpcError(-32602, "historyScope must be 'context' or 'task'")
    return length, scope


def _split_task(task_id: Any, context_id: Any) -> tuple[str, str] | None:
    if not isinstance(task_id, str) or (context_id is not None and not isinstance(context_id, str)):
        raise RpcError(-32602, "Task id and contextId must be strings")
    thread_id, _, run_id = task_id.partition(":")
    if not run_id:
        thread_id, run_id = context_id or "", task_id
    if context_id and context_id != thread_id:
        return None
    try:
        return str(uuid.UUID(thread_id)), str(uuid.UUID(run_id))
    except ValueError:
        return None


async def _task_state(
    ctx: AppContext, assistant_id: str, thread_id: str, run_id: str, action: str = "read"
) -> tuple[str, Any] | None:
    """The task's state and run row, or None when there is no such task for this assistant, or the
    project's auth hides its thread from the caller for `action` (a task is missing to them then)."""
    try:
        await check_thread_access(ctx, thread_id, action)
    except DomainError:
        return None
    async with ctx.db.session() as session:
        run = await queries.get_run(session, thread_id, run_id)
        thread = await queries.get_thread(session, thread_id) if run is not None else None
        latest = await queries.list_runs(session, thread_id, limit=1, offset=0, status=None) if run is not None else []
    if run is None or thread is None or run.assistant_id != assistant_id:
        return None
    return _state_of(run, thread, latest_run=bool(latest) and latest[0].run_id == run_id), run


def _state_of(run: Any, thread: Any, *, latest_run: bool) -> str:
    """A task's state from its run's status; the thread's latest run, ended at an interrupt, waits for input."""
    state = _STATE_OF_RUN.get(run.status, "working")
    return "input-required" if state == "completed" and latest_run and thread.status == "interrupted" else state


def _messages_of(values: Any) -> list[Any]:
    """The messages of a thread's (or a run's) values."""
    return (values.get("messages") or []) if isinstance(values, dict) else []


def _history_until(history: list[dict[str, Any]], task_id: str) -> list[dict[str, Any]]:
    """The thread's history up to the task's last message: the thread as the task left it."""
    last = max((i for i, m in enumerate(history) if m["taskId"] == task_id), default=-1)
    return history[: last + 1]


def _not_found(task_id: Any, context_id: Any) -> RpcError:
    return RpcError(-32001, f"Task not found: {task_id}" + (f" in context '{context_id}'" if context_id else ""))


async def _prepare_send(
    ctx: AppContext, assistant_id: str, params: dict[str, Any], *, streamed: bool = False
) -> tuple[str, RunCreateStateful, dict[str, Any]]:
    """The thread and the run a send makes (checked, not started), and the message as sent."""
    message = params["message"]
    if not message.get("messageId"):
        raise RpcError(-32602, "Missing required 'messageId' in message")
    if not message.get("role"):
        raise RpcError(-32602, "Missing required 'role' in message")
    if not isinstance(message.get("parts"), list):
        raise RpcError(-32602, "Invalid params: 'parts' must be an array")
    if not message["parts"]:
        raise RpcError(-32602, "Message must contain at least one part")
    try:
        assistant = await get_assistant(ctx, assistant_id)
    except DomainError:
        raise RpcError(-32602, f"Assistant '{assistant_id}' not found") from None
    if any(isinstance(p, dict) and ("text" in p or "file" in p) for p in message["parts"]):
        schema = (await get_schemas(ctx, assistant["assistant_id"])).get("input_schema")
        if not schema:
            raise RpcError(-32602, f"Assistant '{assistant_id}' has no input schema defined. A2A conversational agents using text or file parts must have an input schema with a 'messages' field.")
        if "messages" not in (schema.get("properties") or {}):
            raise RpcError(-32602, (
                f"Assistant '{assistant_id}' (graph '{assistant['graph_id']}') does not support A2A conversational messages. "
                "Graph input schema must include a 'messages' field to accept text or file parts. "
                f"Available input fields: {list((schema.get('properties') or {}).keys())}"))
    context_id, task_id = message.get("contextId"), message.get("taskId")
    if (context_id is not None and not isinstance(context_id, str)) or (task_id is not None and not isinstance(task_id, str)):
        raise RpcError(-32602, "contextId and taskId must be strings")
    command = None
    if task_id:
        split = _split_task(task_id, context_id)
        found = None if split is None else await _task_state(ctx, assistant["assistant_id"], *split)
        if found is None:
            raise _not_found(task_id, None)
        if found[0] in TERMINAL:
            raise RpcError(-32004, "A terminal task cannot accept another message")
        context_id = split[0]  # type: ignore[index]
        stamp: dict[str, Any] = {"task_id": task_id}
    else:
        stamp = {"task_start_id": uuid7()}
    thread_id = context_id or str(uuid.uuid4())
    try:
        thread_id = str(uuid.UUID(thread_id))
    except ValueError:
        raise RpcError(-32602, "Failed to create run: Invalid thread ID") from None
    messages, data = _input_of(message, stamp)
    if task_id and found[0] == "input-required":  # the answer to the interrupt the task waits on
        resumes = [v for v in (data.pop("resume", None),) if v is not None]
        value = resumes[0] if resumes else _text_of(messages[0]["content"]) if messages else None
        command, messages = {"resume": value}, []
    run_input: dict[str, Any] | None = ({"messages": messages} if messages else {}) | data
    payload = RunCreateStateful(
        assistant_id=assistant["assistant_id"], input=None if command else run_input, command=command,
        metadata={"a2a": stamp}, if_not_exists="create", context=params.get("context") or {},
        # Streamed, the model's tokens are wanted too (a send waits for the values only).
        stream_mode=["messages", "values"] if streamed else ["values"],
    )
    return thread_id, payload, message


async def _start(ctx: AppContext, thread_id: str, payload: RunCreateStateful) -> dict[str, Any]:
    try:
        return await create_run(ctx, thread_id, payload)
    except DomainError as exc:
        if exc.status_code == 403:
            raise RpcError(-32602, "Access denied to assistant or thread") from None
        if exc.status_code == 404:
            raise RpcError(-32602, f"Assistant '{payload.assistant_id}' not found") from None
        raise RpcError(-32602, f"Invalid request: {exc.detail}") from None


async def send(ctx: AppContext, assistant_id: str, params: dict[str, Any], scope_header: str | None) -> dict[str, Any]:
    length, scope = _configuration(params, scope_header)
    thread_id, payload, _message = await _prepare_send(ctx, assistant_id, params)
    run = await _start(ctx, thread_id, payload)
    task_id = f"{thread_id}:{run['run_id']}"
    values = await _await_outcome(ctx, thread_id, run["run_id"])
    task: dict[str, Any] = {"kind": "task", "id": task_id, "contextId": thread_id}
    history = _history(_messages_of(values), thread_id, await _task_ids(ctx, thread_id))
    if length != 0:
        task["history"] = _trimmed(history, task_id, scope, length)
    if isinstance(values, dict) and "__error__" in values:
        error = values["__error__"] or {}
        text = f"Error executing assistant: {error.get('message') or error.get('error')}"
        task["status"] = {"state": "failed", "message": {"kind": "message", "role": "agent", "parts": [{"kind": "text", "text": text}],
                                                          "messageId": str(uuid.uuid4()), "taskId": task_id, "contextId": thread_id}}
        return task
    if isinstance(values, dict) and values.get("__interrupt__"):
        task["status"] = {"state": "input-required", "timestamp": _now()}
        task["artifacts"] = [{"artifactId": str(uuid.uuid4()), "name": "Interrupt", "description": "Agent requires input to continue",
                              "parts": [{"kind": "data", "data": i} for i in values["__interrupt__"]]}]
        return task
    task["status"] = {"state": "completed", "timestamp": _now()}
    task["artifacts"] = [_artifact(values, payload.assistant_id)]
    return task


async def stream(ctx: AppContext, assistant_id: str, params: dict[str, Any]) -> tuple[str, str, AsyncIterator[dict[str, Any]]]:
    """Checks the send, starts its run, and gives the A2A results to stream: the submitted task,
    the reply growing (`working`), the artifact, the final status."""
    thread_id, payload, message = await _prepare_send(ctx, assistant_id, params, streamed=True)
    run = await _start(ctx, thread_id, payload)
    task_id = f"{thread_id}:{run['run_id']}"

    async def results() -> AsyncIterator[dict[str, Any]]:
        yield {"kind": "task", "id": task_id, "contextId": thread_id,
               "history": [{**message, "taskId": task_id, "contextId": thread_id}],
               "status": {"state": "submitted", "timestamp": _now()}}
        values: Any = None
        failed = None
        async for _offset, event, data in _run_stream(ctx, run["run_id"], 0, False):
            if event == "values":
                values = data
            elif event == "error":
                failed = data
            elif event in ("messages/partial", "messages/complete"):
                for m in data if isinstance(data, list) else []:
                    if not isinstance(m, dict):
                        continue
                    if m.get("type") == "tool" and m.get("tool_call_id"):
                        parts = [{"kind": "data", "data": {"tool_results": [{"toolCallId": m["tool_call_id"], "content": _text_of(m.get("content")),
                                                                             **({"name": m["name"]} if m.get("name") else {}),
                                                                             **({"status": m["status"]} if m.get("status") else {})}]}}]
                    else:
                        parts = _parts_of(m.get("content"))
                    if parts:
                        yield _status(task_id, thread_id, "working", parts, final=False)
        if failed is not None:
            yield _status(task_id, thread_id, "failed", [{"kind": "text", "text": str(failed.get("message") or failed.get("error"))}], final=True)
            return
        interrupts = (values or {}).get("__interrupt__") if isinstance(values, dict) else None
        async with ctx.db.session() as session:
            thread = await queries.get_thread(session, thread_id)
        if thread is not None and thread.status == "interrupted":
            pending = [i for wires in (thread.interrupts or {}).values() for i in wires]
            parts = [{"kind": "data", "data": i} for i in (interrupts or pending)]
            yield {"taskId": task_id, "contextId": thread_id, "kind": "artifact-update",
                   "artifact": {"artifactId": str(uuid.uuid4()), "name": "Interrupt", "description": "Agent requires input to continue", "parts": parts}}
            yield _status(task_id, thread_id, "input-required", parts, final=True)
            return
        yield {"taskId": task_id, "contextId": thread_id, "kind": "artifact-update",
               "artifact": _artifact(values, payload.assistant_id), "append": False, "lastChunk": True}
        yield {"taskId": task_id, "contextId": thread_id, "kind": "status-update", "status": {"state": "completed", "timestamp": _now()}, "final": True}

    return task_id, thread_id, results()


def _status(task_id: str, thread_id: str, state: str, parts: list[dict[str, Any]], *, final: bool) -> dict[str, Any]:
    return {"taskId": task_id, "contextId": thread_id, "kind": "status-update",
            "status": {"state": state, "message": {"kind": "message", "role": "agent", "parts": parts, "messageId": str(uuid.uuid4()),
                                                   "taskId": task_id, "contextId": thread_id}, "timestamp": _now()},
            "final": final}


def _agent_text(text: str, task_id: str) -> dict[str, Any]:
    return {"kind": "message", "role": "agent", "parts": [{"kind": "text", "text": text}], "messageId": str(uuid.uuid4()), "taskId": task_id}


async def _asked_task(
    ctx: AppContext, assistant_id: str, params: dict[str, Any], *, name_context: bool, action: str = "read"
) -> tuple[str, str, str, Any]:
    """The task `params` names (`id`, optionally `contextId`): its thread, run, state and run row;
    a -32001 when this assistant has no such task."""
    if not params.get("id"):
        raise RpcError(-32602, "Missing required parameter: id (task_id)")
    task_id, context_id = params["id"], params.get("contextId")
    split = _split_task(task_id, context_id)
    found = None if split is None else await _task_state(ctx, assistant_id, *split, action=action)
    if split is None or found is None:
        raise _not_found(task_id, context_id if name_context else None)
    return split[0], split[1], found[0], found[1]


async def get_task(ctx: AppContext, assistant_id: str, params: dict[str, Any], scope_header: str | None) -> dict[str, Any]:
    thread_id, run_id, state, run = await _asked_task(ctx, assistant_id, params, name_context=True)
    length = _history_length(params)
    full_id = f"{thread_id}:{run_id}"
    status: dict[str, Any] = {"state": state, "timestamp": iso(run.updated_at)}
    if state == "completed":
        status["message"] = _agent_text("Task completed successfully", full_id)
    elif state == "failed":
        status["message"] = _agent_text(f"Task failed with status: {run.status}", full_id)
    task: dict[str, Any] = {"kind": "task", "id": full_id, "contextId": thread_id, "status": status}
    async with ctx.db.session() as session:
        thread = await queries.get_thread(session, thread_id)
    history = _history_until(_history(_messages_of(thread.values if thread else None), thread_id, await _task_ids(ctx, thread_id)), full_id)
    scope = params.get("historyScope") or scope_header or "context"
    if length != 0 and history:
        task["history"] = _trimmed(history, full_id, scope, length)
    return task


async def cancel_task(ctx: AppContext, assistant_id: str, params: dict[str, Any]) -> dict[str, Any]:
    thread_id, run_id, state, _run = await _asked_task(ctx, assistant_id, params, name_context=False, action="update")
    if state in TERMINAL:
        raise RpcError(-32002, "Task is not cancelable in its current state")
    if state not in ("submitted", "working"):
        raise RpcError(-32002, "Task has no active run to cancel")
    try:
        await cancel_run(ctx, thread_id, run_id, wait=True, action="interrupt")
    except DomainError as exc:
        raise RpcError(-32603, f"Failed to cancel task: {exc.detail}") from None
    full_id = f"{thread_id}:{run_id}"
    return {"kind": "task", "id": full_id, "contextId": thread_id, "status": {
        "state": "canceled", "timestamp": _now(), "message": _agent_text("Task was canceled", full_id)}}


def _history_length(params: dict[str, Any]) -> int | None:
    length = params.get("historyLength")
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise RpcError(-32602, "historyLength must be a non-negative integer")
    if length > 10:
        raise RpcError(-32602, "historyLength cannot exceed 10")
    return length


def _list_params(params: dict[str, Any]) -> tuple[int, int, datetime | None, str | None]:
    size = params.get("pageSize", 50)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 100:
        raise RpcError(-32602, "pageSize must be an integer between 1 and 100.")
    try:
        offset = int(params.get("pageToken") or 0)
        if offset < 0:
            raise ValueError(offset)
    except (TypeError, ValueError):
        raise RpcError(-32602, "Invalid pageToken.") from None
    after = params.get("statusTimestampAfter")
    moment = None
    if after is not None:
        try:
            moment = parse_iso(str(after))
        except ValueError:
            raise RpcError(-32602, "statusTimestampAfter must be a valid ISO 8601 timestamp.") from None
    status = params.get("status")
    if isinstance(status, str) and status.startswith("TASK_STATE_"):
        status = status.removeprefix("TASK_STATE_").lower().replace("_", "-")
    return size, offset, moment, status


async def list_tasks(ctx: AppContext, assistant_id: str, params: dict[str, Any], scope_header: str | None) -> dict[str, Any]:
    """`ListTasks` (v1): this assistant's tasks the caller may read, newest first, paged."""
    size, offset, after, status = _list_params(params)
    length = _history_length(params)
    context_id = params.get("contextId")
    if context_id is not None:
        try:
            context_id = str(uuid.UUID(str(context_id)))
        except ValueError:
            return {"tasks": [], "totalSize": 0, "pageSize": 0, "nextPageToken": ""}
    readable = await authorize(ctx, "threads", "search", {})
    runs_table = RunRow.__table__.c  # type: ignore[attr-defined]
    query = select(RunRow).where(runs_table.assistant_id == assistant_id)
    if context_id is not None:
        query = query.where(runs_table.thread_id == context_id)
    async with ctx.db.session() as session:
        runs = list((await session.execute(query.order_by(runs_table.created_at.desc(), runs_table.run_id.desc()))).scalars())
        threads = {t: await queries.get_thread(session, t) for t in {r.thread_id for r in runs}}
    latest: dict[str, str] = {}
    for run in runs:  # newest first: the first seen is each thread's latest
        latest.setdefault(run.thread_id, run.run_id)
    found = []
    for run in runs:
        thread = threads.get(run.thread_id)
        if thread is None or not matches(thread.meta, readable):
            continue
        state = _state_of(run, thread, latest_run=latest[run.thread_id] == run.run_id)
        if (status and state != status) or (after is not None and utc(run.updated_at) <= after):
            continue
        found.append((run, thread, state))
    page = found[offset: offset + size]
    tasks = []
    histories: dict[str, list[dict[str, Any]]] = {}
    for run, thread, state in page:
        task_id = f"{run.thread_id}:{run.run_id}"
        task: dict[str, Any] = {"kind": "task", "id": task_id, "contextId": run.thread_id,
                                "status": {"state": state, "timestamp": iso(run.updated_at)}, "artifacts": []}
        if run.thread_id not in histories:
            histories[run.thread_id] = _history(_messages_of(thread.values), run.thread_id, await _task_ids(ctx, run.thread_id))
        history = histories[run.thread_id]
        if params.get("includeArtifacts"):  # the task's reply, as its send answered it
            replies = [m for m in history if m["taskId"] == task_id and m["role"] == "agent" and any(p["kind"] == "text" for p in m["parts"])]
            task["artifacts"] = [{"artifactId": str(uuid.uuid4()), "name": "Assistant Response",
                                  "description": f"Response from assistant {assistant_id}", "parts": replies[-1]["parts"]}] if replies else []
        own = _history_until(history, task_id)
        if length != 0 and own:
            task["history"] = _trimmed(own, task_id, params.get("historyScope") or scope_header or "context", length)
        tasks.append(task)
    more = offset + len(page) < len(found)
    return {"tasks": tasks, "totalSize": len(found), "pageSize": len(page), "nextPageToken": str(offset + len(page)) if more else ""}


def sse_message(payload: dict[str, Any]) -> bytes:
    return f"event: message\r\ndata: {json.dumps(payload, ensure_ascii=False)}\r\n\r\n".encode()
