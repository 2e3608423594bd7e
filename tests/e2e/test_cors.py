"""A browser on another origin may call the API (as the official server allows by default)."""

from __future__ import annotations

import httpx

from tests.conftest import Stack


async def test_a_preflight_and_a_cross_origin_request_are_allowed(sqlite_stack: Stack) -> None:
    origin = "http://ui.example:3000"
    async with httpx.AsyncClient(base_url=sqlite_stack.url, timeout=30) as http:
        preflight = await http.options("/threads/search", headers={
            "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-api-key",
        })
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "POST" in preflight.headers["access-control-allow-methods"]
        assert "x-api-key" in preflight.headers["access-control-allow-headers"].lower()
        searched = await http.post("/threads/search", json={"limit": 1}, headers={"Origin": origin})
        assert searched.status_code == 200 and searched.headers["access-control-allow-origin"] == "*"
        assert "x-pagination-total" in searched.headers["access-control-expose-headers"].lower()
