"""Functional API graphs: an async entrypoint whose tasks run in parallel, interrupt and resume,
with `previous` and `entrypoint.final`; and a sync entrypoint calling a task."""

from __future__ import annotations

import asyncio
from typing import Any

from langgraph.func import entrypoint, task
from langgraph.types import interrupt


@task
async def double(n: int) -> int:
    return 2 * n


@task
def ask(total: int) -> Any:  # a sync task
    return interrupt({"question": f"keep {total}?"})


@entrypoint()
async def flow(inputs: dict[str, Any], *, previous: Any = None) -> Any:
    a, b = await asyncio.gather(double(inputs["n"]), double(inputs["n"] + 1))
    answer = await ask(a + b)
    return entrypoint.final(value={"sum": a + b, "answer": answer, "previous": previous}, save=(previous or 0) + a + b)


@entrypoint()
def sync_flow(inputs: dict[str, Any]) -> Any:
    return {"doubled": double(inputs["n"]).result()}
