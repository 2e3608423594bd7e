"""The project's own routes (`http.app`), served by both servers beside their API (a Starlette app:
the reference's venv has no FastAPI)."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def hello(request: Request) -> JSONResponse:
    return JSONResponse({"hello": "world", "query": dict(request.query_params)})


async def echo(request: Request) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError:
        return JSONResponse({"error": "the body must be JSON"}, status_code=400)
    return JSONResponse({"echo": body})


app = Starlette(routes=[Route("/custom/hello", hello), Route("/custom/echo", echo, methods=["POST"])])
