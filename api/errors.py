"""Domain errors raised by services, and the one place that maps them to HTTP answers.

Every error answer is `{"detail": "<message>"}` (the official `ErrorResponse`), which the SDKs
turn into `NotFoundError` (404), `ConflictError` (409) and validation errors (422).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("agent_server.api")


class DomainError(Exception):
    """Base of the errors services raise; `status_code` is the HTTP status it maps to."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(DomainError):
    """A request that is well-formed but contradicts itself (the official server's 400s)."""

    status_code = 400


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


class InvalidRequest(DomainError):
    status_code = 422


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            parts.append(f"the body is not valid JSON ({error.get('ctx', {}).get('error', 'decode error')})")
            continue
        location = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or "body"
        parts.append(f"{location}: {error.get('msg', 'invalid value')}")
    return "Invalid request: " + "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    """Register the mapping of domain, validation and unexpected errors to `{"detail": ...}`."""

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _describe_validation(exc)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception(
            "unhandled error on %s %s (path params %s)", request.method, request.url.path, request.path_params
        )
        return JSONResponse({"detail": "Internal server error; see the server log."}, status_code=500)


# --- the official server's not-found answers, word for word (clients and tests match on them) ---


def thread_not_found(thread_id: str) -> NotFound:
    return NotFound(f"Thread with ID {thread_id} not found")


RUN_NOT_FOUND = "Run not found"


def run_not_found() -> NotFound:
    return NotFound(RUN_NOT_FOUND)


def run_of_thread_not_found() -> NotFound:
    """GET of a run the (existing) thread does not have: the official answer is the bare 404."""
    return NotFound("Not Found")


def assistant_not_found(assistant_id: str | None = None) -> NotFound:
    """`Assistant <id> not found` (PATCH, versions); the bare 404 on reads (GET, graph, schemas)."""
    return NotFound(f"Assistant {assistant_id} not found" if assistant_id else "Not Found")


def assistant_to_delete_not_found(assistant_id: str) -> NotFound:
    return NotFound(f"Assistant with ID {assistant_id} not found")


THREAD_OR_ASSISTANT_NOT_FOUND = "Thread or assistant not found."
NO_RUNS_TO_CANCEL = "No runs found to cancel."
NO_MATCHING_RUNS_TO_CANCEL = (
    "No matching runs to cancel. Please verify the thread ID and run IDs are correct, "
    "and the runs haven't been deleted or completed."
)


def no_graph_on_thread(thread_id: str) -> str:
    """A state update on a thread no run has named a graph for (the official 400's words)."""
    return (
        f"Thread '{thread_id}' has no assigned graph ID. This usually occurs when no runs have been made on "
        "this particular thread. This operation requires a graph ID. Please ensure a run has been made for the "
        "thread or manually update the thread metadata (by setting the 'graph_id' field) before running this "
        "operation."
    )
