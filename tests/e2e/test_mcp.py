"""MCP at `/mcp` (issue 16) with the official `mcp` client: every assistant a tool with its graph's
input schema; calling one is a durable run of it whose output comes back. The transport's refusals
are compared with the reference in the API differential (`mcp_*` cases)."""

from __future__ import annotations

import json
import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(120)


async def test_an_mcp_client_lists_the_assistants_and_calls_one(sqlite_stack: Stack) -> None:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async with streamable_http_client(sqlite_stack.url + "/mcp") as (read, write, *_), ClientSession(read, write) as session:
        initialized = await session.initialize()
        assert initialized.server_info.name == "LangGraph"
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert {"agent", "failing", "hitl"} <= set(tools)
        # A list of chat messages is offered as the user's message, a string.
        assert tools["agent"].input_schema["properties"]["messages"]["type"] == "string"

        called = await session.call_tool("agent", {"messages": "what time is it in Oslo?"})
        assert not called.is_error
        output = json.loads(called.content[0].text)
        assert output == called.structured_content
        assert [m["type"] for m in output["messages"]] == ["human", "ai", "tool", "ai"]

        failed = await session.call_tool("failing", {})
        assert failed.is_error and failed.content[0].text.startswith("ValueError")
        from mcp.shared.exceptions import MCPError

        with pytest.raises(MCPError, match="Unknown tool: no-such-tool"):
            await session.call_tool("no-such-tool", {})
