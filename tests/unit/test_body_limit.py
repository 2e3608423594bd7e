"""The body size limit answers 413 with a `detail`, whether the size is declared or streamed."""

from __future__ import annotations

import httpx
from fastapi import FastAPI, Request

from api.limits import BodySizeLimit


def _app(limit: int) -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    app.add_middleware(BodySizeLimit, max_bytes=limit)
    return app


async def test_declared_and_streamed_bodies_over_the_limit_get_413() -> None:
    transport = httpx.ASGITransport(app=_app(100))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        small = await client.post("/echo", content=b"x" * 100)
        assert small.status_code == 200 and small.json() == {"size": 100}

        declared = await client.post("/echo", content=b"x" * 101)
        assert declared.status_code == 413
        assert "100 bytes" in declared.json()["detail"]

        async def chunks():  # no Content-Length: counted as it arrives
            for _ in range(5):
                yield b"x" * 40

        streamed = await client.post("/echo", content=chunks())
        assert streamed.status_code == 413
        assert "MAX_BODY_BYTES" in streamed.json()["detail"]
