"""`/mcp`: MCP over streamable HTTP, stateless (api/services/mcp.py). The transport's refusals are
the official server's: 400 `{"error"}` for a body that is not one JSON-RPC message or an `Accept`
without JSON or SSE, 202 for notifications and responses, 405 for GET (no server-sent stream), 404
for DELETE (no sessions)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from api.deps import Ctx
from api.services import mcp

router = APIRouter(tags=["MCP"])

NOT_A_MESSAGE = (
    "Invalid message format. A message is to be either a JSON-RPC request, response, or notification."
    "Please see the Messages section of the Streamable HTTP RFC for more information."
)


def _refused(message: str) -> Response:
    return Response(json.dumps({"error": message}), status_code=400, media_type="application/json")


@router.post("/mcp")
async def mcp_message(ctx: Ctx, request: Request) -> Response:
    """One JSON-RPC message: `initialize`, `ping`, `tools/list`, `tools/call`."""
    try:
        message = json.loads(await request.body())
    except ValueError:
        return _refused("Invalid JSON")
    accept = request.headers.get("accept", "")
    if "application/json" not in accept and "text/event-stream" not in accept:
        return _refused("Accept header must include application/json or text/event-stream")
    if not isinstance(message, dict):
        return _refused("Invalid message format.")
    if message.get("jsonrpc") != "2.0":
        return _refused("Invalid JSON-RPC message. Missing or invalid jsonrpc version.")
    has_id, has_method = message.get("id") is not None, bool(message.get("method"))
    if has_id and has_method:
        return JSONResponse(await mcp.answer(ctx, message))
    if has_id or has_method:  # a response or a notification: nothing to answer
        return Response(status_code=202)
    return _refused(NOT_A_MESSAGE)


@router.get("/mcp", include_in_schema=False)
async def mcp_stream() -> Response:
    return Response(status_code=405)


@router.delete("/mcp", include_in_schema=False)
async def mcp_session() -> Response:
    return Response(status_code=404)
