"""A2A at `/a2a/{assistant_id}` (JSON-RPC) and the agent cards (api/services/a2a.py). Refusals are
the official server's: JSON-RPC errors with HTTP 200, except an `Accept` that rules out the answer
(400 `{"error"}`); responses and notifications get 202."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import Ctx
from api.errors import DomainError
from api.services import a2a
from api.services.streams import with_heartbeats

router = APIRouter(tags=["A2A"])


def _error(request_id: Any, code: int, message: str) -> JSONResponse:
    return JSONResponse({"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}})


def _accepts(accept: str, wanted: str) -> bool:
    major = wanted.split("/", 1)[0]
    return any(part.split(";")[0].strip() in (wanted, "*/*", f"{major}/*") for part in accept.split(","))


async def _card(ctx: Ctx, request: Request, assistant_id: str | None) -> JSONResponse:
    if not assistant_id:
        return JSONResponse({"error": {"code": -32602, "message": "Missing required query parameter: assistant_id"}}, status_code=400)
    try:
        uuid.UUID(assistant_id)
    except ValueError:
        return JSONResponse({"error": {"code": -32602, "message": f"Failed to get assistant '{assistant_id}': Invalid assistant ID: must be a UUID"}}, status_code=400)
    base = str(request.base_url).rstrip("/")
    try:
        return JSONResponse(await a2a.agent_card(ctx, assistant_id, base))
    except DomainError as exc:
        if exc.status_code == 404:  # (a 400, as the official server answers it)
            return JSONResponse({"error": {"code": -32602, "message": f"Assistant '{assistant_id}' not found"}}, status_code=400)
        return JSONResponse({"error": {"code": -32602, "message": f"Failed to get assistant '{assistant_id}': {exc.detail}"}}, status_code=400)
    except a2a.RpcError as exc:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=400)


@router.get("/.well-known/agent-card.json")
async def agent_card(ctx: Ctx, request: Request, assistant_id: str | None = None) -> JSONResponse:
    """The agent card of `?assistant_id=`."""
    return await _card(ctx, request, assistant_id)


@router.get("/a2a/{assistant_id}/.well-known/agent-card.json", include_in_schema=False)
@router.get("/a2a/{assistant_id}/.well-known/agent.json", include_in_schema=False)
@router.get("/a2a/{assistant_id}")
async def assistant_card(ctx: Ctx, request: Request, assistant_id: str) -> JSONResponse:
    """The assistant's agent card."""
    return await _card(ctx, request, assistant_id)


@router.delete("/a2a/{assistant_id}", include_in_schema=False)
async def no_delete(assistant_id: str) -> Response:
    return Response(status_code=405)


@router.post("/a2a/{assistant_id}")
async def a2a_rpc(ctx: Ctx, request: Request, assistant_id: str) -> Response:
    """One JSON-RPC request: `message/send`, `message/stream`, `tasks/get`, `tasks/cancel` (and the
    v1 names, with `ListTasks`)."""
    try:
        message = json.loads(await request.body())
    except ValueError:
        return _error(None, -32700, "Invalid JSON payload")
    if not isinstance(message, dict):
        return _error(None, -32600, "Invalid message format: expected object")
    request_id = message.get("id")
    if message.get("jsonrpc") != "2.0":
        return _error(request_id if isinstance(request_id, (str, int)) else None, -32600, "Invalid JSON-RPC message: missing or invalid jsonrpc version")
    if request_id is not None and (isinstance(request_id, bool) or not isinstance(request_id, (str, int, float))):
        return _error(None, -32600, "Invalid JSON-RPC request: 'id' must be a string, number, or null")
    if request_id is None:
        if "method" not in message and ("result" in message or "error" in message):
            return Response(status_code=202)
        return _error(None, -32600, "Invalid message format: must be a JSON-RPC request or notification")
    if "method" not in message:
        if "result" in message or "error" in message:
            return Response(status_code=202)
        return _error(request_id, -32600, "Invalid JSON-RPC request: missing 'method' field")
    method = message["method"]
    if not isinstance(method, str):
        return _error(request_id, -32601, "Method not found: method must be a string")
    spec = method in a2a.SPEC_METHODS
    name = a2a.SPEC_METHODS.get(method, method)
    if name not in a2a.METHODS:
        return _error(request_id, -32601, f"Method not found: {method}")
    params = message.get("params") if message.get("params") is not None else {}
    if name in ("SendMessage", "SendStreamingMessage"):
        if not isinstance(params, dict):
            return _error(request_id, -32602, "Invalid params: must be an object")
        if not isinstance(params.get("message"), dict):
            return _error(request_id, -32602, "Missing or invalid 'message' in params")
    streaming = name == "SendStreamingMessage"
    accept = request.headers.get("accept", "")
    if not _accepts(accept, "text/event-stream" if streaming else "application/json"):
        detail = "Accept header must include text/event-stream for streaming" if streaming else "Accept header must include application/json"
        return JSONResponse({"error": detail}, status_code=400)
    try:
        assistant_id = str(uuid.UUID(assistant_id))
    except ValueError:
        return _error(request_id, -32602, "Invalid assistant ID: must be a UUID")
    if not isinstance(params, dict):
        return _error(request_id, -32602, "Invalid params: must be an object")
    shape = (lambda value: value) if spec else a2a.as_v1
    scope_header = request.headers.get(a2a.HISTORY_SCOPE_HEADER)
    if streaming:
        return await _stream(ctx, assistant_id, params, request_id, shape)
    try:
        if name == "SendMessage":
            task = await a2a.send(ctx, assistant_id, params, scope_header)
            result: Any = task if spec else {"task": task}
        elif name == "GetTask":
            result = await a2a.get_task(ctx, assistant_id, params, scope_header)
        elif name == "CancelTask":
            result = await a2a.cancel_task(ctx, assistant_id, params)
        elif name == "ListTasks":
            result = await a2a.list_tasks(ctx, assistant_id, params, scope_header)
        else:  # GetExtendedAgentCard
            result = await a2a.agent_card(ctx, assistant_id, str(request.base_url).rstrip("/"))
    except a2a.RpcError as exc:
        return _error(request_id, exc.code, exc.message)
    return JSONResponse({"jsonrpc": "2.0", "id": request_id, "result": shape(result)})


async def _stream(ctx: Ctx, assistant_id: str, params: dict[str, Any], request_id: Any, shape: Any) -> StreamingResponse:
    async def events() -> Any:
        try:
            _task_id, _thread_id, results = await a2a.stream(ctx, assistant_id, params)
            async for result in results:
                yield a2a.sse_message({"jsonrpc": "2.0", "id": request_id, "result": shape(result)})
        except a2a.RpcError as exc:
            yield a2a.sse_message({"jsonrpc": "2.0", "id": request_id, "error": {"code": exc.code, "message": exc.message}})

    return StreamingResponse(
        with_heartbeats(events(), 5.0), media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
