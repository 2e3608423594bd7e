from __future__ import annotations

from typing_extensions import TypedDict


class GreeterState(TypedDict, total=False):
    name: str
    reply: str
    module: str
