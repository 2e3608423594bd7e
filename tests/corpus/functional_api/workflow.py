"""The Functional API: a module-level `@entrypoint` (no checkpointer of its own) and `@task`s.

`workflow` runs two tasks in parallel (one sync, one async), asks a person to review the draft
with `interrupt()` inside a third task, and returns `entrypoint.final`: the caller gets the
reviewed draft and a run counter, the thread keeps (`previous`) the counter and the last result.
"""

from __future__ import annotations

from typing import Any

from langgraph.func import entrypoint, task
from langgraph.types import interrupt


@task
def outline(topic: str) -> str:
    return f"outline of {topic}"


@task
async def facts(topic: str) -> str:
    return f"{len(topic)} facts about {topic}"


@task
def review(draft: str) -> str:
    verdict = interrupt({"question": "Approve this draft?", "draft": draft})
    return f"{draft} [reviewed: {verdict}]"


@entrypoint()
async def workflow(inputs: dict[str, Any], *, previous: dict[str, Any] | None) -> entrypoint.final[dict[str, Any], dict[str, Any]]:
    topic = inputs["topic"]
    first, second = outline(topic), facts(topic)
    draft = f"{await first} + {await second}"
    reviewed = await review(draft)
    runs = (previous or {}).get("runs", 0) + 1
    value = {"result": reviewed, "runs": runs, "previous_result": (previous or {}).get("result")}
    return entrypoint.final(value=value, save={"runs": runs, "result": reviewed})
