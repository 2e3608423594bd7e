"""FastAPI dependencies, declared once."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from api.context import AppContext


def _context(request: Request) -> AppContext:
    return request.app.state.context  # type: ignore[no-any-return]


Ctx = Annotated[AppContext, Depends(_context)]

# Path ids are validated as UUIDs (a malformed id is a 422, as on the official server).
ThreadId = UUID
RunId = UUID
