"""MCP (Model Context Protocol, streamable HTTP, stateless) at `/mcp`: each assistant is a tool.

As the official server serves it: JSON answers only (no SSE, no sessions); `initialize`, `ping`,
`tools/list` (one tool per assistant, newest first, 100 a page with an integer `nextCursor`, named
after the assistant's name with whitespace as `_` and only `[A-Za-z0-9_.-]` kept, the input schema
of its graph with message lists as a plain string) and `tools/call` (a stateless run of that
assistant with the arguments as input, waited for: a durable run like any other). The caller's
auth applies: the project's handlers decide which assistants it sees and may run (api/auth/).

A call answers with the run's output as JSON text (and as `structuredContent`); a failed run with
`isError` and the error's type and message. (The reference server answers with Python's repr of the
output and the error's type only; JSON is what an MCP client can read.)
"""

from __future__ import annotations

import json
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from api.context import AppContext
from api.errors import DomainError
from api.schemas.assistants import AssistantSearchRequest
from api.schemas.runs import RunCreateStateless
from api.services.assistants import get_schemas, search_assistants
from api.services.runs import wait_run

PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
PAGE = 100
ANNOTATIONS = {"readOnlyHint": False, "destructiveHint": False, "idempotentHint": False, "openWorldHint": True}
_MESSAGE_DEFS = re.compile(r"(Message|MessageChunk|ToolCall|ToolCallChunk|UsageMetadata|InputTokenDetails|OutputTokenDetails)$")


class RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def tool_name(assistant_name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "", re.sub(r"\s+", "_", assistant_name.strip()))[:128]


def _is_message_ref(schema: Any, defs: set[str]) -> bool:
    for key in ("oneOf", "anyOf"):
        for option in (schema or {}).get(key) or []:
            ref = option.get("$ref", "") if isinstance(option, dict) else ""
            if ref.rsplit("/", 1)[-1] in defs:
                return True
    return False


def simplified_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The graph's input schema as a tool's: a list of LangChain messages becomes a plain string
    (the user's message), and the message types' definitions go."""
    schema = json.loads(json.dumps(schema))
    defs = schema.get("$defs") or {}
    message_defs = {name for name in defs if _MESSAGE_DEFS.search(name)}
    if message_defs:
        for name in message_defs:
            defs.pop(name, None)
        if not defs:
            schema.pop("$defs", None)
        for key, prop in (schema.get("properties") or {}).items():
            if isinstance(prop, dict) and prop.get("type") == "array" and _is_message_ref(prop.get("items"), message_defs):
                schema["properties"][key] = {
                    "type": "string", "title": prop.get("title") or key, "description": "The user message to send to the agent.",
                }
    schema.setdefault("type", "object")
    return schema


def _server_version() -> str:
    try:
        return version("temporal-agent-server")
    except PackageNotFoundError:
        return "0"


async def _tools(ctx: AppContext, cursor: int) -> dict[str, Any]:
    found, _page = await search_assistants(ctx, AssistantSearchRequest(limit=PAGE, offset=cursor))
    tools, seen = [], set()
    for assistant in found:
        name = tool_name(assistant["name"])
        if name in seen:
            continue
        try:
            schema = (await get_schemas(ctx, assistant["assistant_id"]))["input_schema"]
        except DomainError:
            continue  # a graph this server does not serve: no tool
        if schema is None:
            continue
        seen.add(name)
        tools.append({
            "name": name,
            "title": assistant["name"],
            "description": assistant.get("description") or f"Tool based on the {assistant['name']} assistant",
            "inputSchema": simplified_schema(schema),
            "annotations": ANNOTATIONS,
        })
    result: dict[str, Any] = {"tools": tools}
    if len(found) == PAGE:
        result["nextCursor"] = cursor + PAGE
    return result


async def _call(ctx: AppContext, params: dict[str, Any]) -> dict[str, Any]:
    name = params.get("name")
    if not name:
        raise RpcError(-32602, f"Unknown tool: {name}")
    found, _ = await search_assistants(ctx, AssistantSearchRequest(limit=1000))
    matching = [a for a in found if tool_name(a["name"]) == name]
    if not matching:
        raise RpcError(-32602, f"Unknown tool: {name}")
    if len(matching) > 1:
        raise RpcError(-32602, "Multiple tools found with the same name.")
    payload = RunCreateStateless(assistant_id=matching[0]["assistant_id"], input=params.get("arguments", {}),
                                 context=params.get("context") or {})
    try:
        _run, output = await wait_run(ctx, None, payload)
    except DomainError as exc:
        return {"isError": True, "content": [{"type": "text", "text": exc.detail}]}
    if isinstance(output, dict) and "__error__" in output:
        error = output["__error__"] or {}
        text = ": ".join(str(part) for part in (error.get("error"), error.get("message")) if part)
        return {"isError": True, "content": [{"type": "text", "text": text or "the run failed"}]}
    result: dict[str, Any] = {"content": [{"type": "text", "text": json.dumps(output, ensure_ascii=False, default=str)}]}
    if isinstance(output, dict):
        result["structuredContent"] = output
    return result


async def answer(ctx: AppContext, message: dict[str, Any]) -> dict[str, Any]:
    """The JSON-RPC reply to one request."""
    method = message["method"]
    params = message.get("params")
    if params is None:
        params = {}
    reply: dict[str, Any] = {"jsonrpc": "2.0", "id": message["id"]}
    try:
        if not isinstance(params, dict):
            raise RpcError(-32602, "params must be an object")
        if method == "initialize":
            asked = params.get("protocolVersion")
            reply["result"] = {
                "protocolVersion": asked if asked in PROTOCOL_VERSIONS else PROTOCOL_VERSIONS[-1],
                "capabilities": {"tools": {"listChanged": False}},
                "serverInfo": {"name": "LangGraph", "version": _server_version()},
            }
        elif method == "ping":
            reply["result"] = {}
        elif method == "tools/list":
            try:
                cursor = max(0, int(params.get("cursor") or 0))
            except (TypeError, ValueError):
                cursor = 0
            reply["result"] = await _tools(ctx, cursor)
        elif method == "tools/call":
            reply["result"] = await _call(ctx, params)
        else:
            raise RpcError(-32601, f"Method not found: {method}")
    except RpcError as exc:
        reply.pop("result", None)
        reply["error"] = {"code": exc.code, "message": exc.message}
    return reply
