"""Custom stream items from the nodes of a subgraph that run in activities carry their namespace.

In LangGraph, `get_stream_writer()` items from a subgraph's node arrive as `custom|<parent>:<task>`
when the run streams subgraphs, and not at all otherwise. The LangGraph plugin's activity writer
publishes bare items to the run's `custom` topic, so the namespace would be lost. Each activity node
is wrapped here: inside a subgraph (its checkpoint namespace has a parent segment) the wrapper swaps
the writer for one that wraps items with their namespace, or drops them when the run did not ask for
subgraphs (`STREAM_SUBGRAPHS_TAG`). Root nodes run unchanged.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from langchain_core.runnables.config import var_child_runnable_config
from langgraph._internal._constants import CONFIG_KEY_CHECKPOINT_NS, CONFIG_KEY_RUNTIME

from workflows.streaming import STREAM_SUBGRAPHS_TAG, namespaced_custom, stream_namespace


def with_namespaced_custom_writes(func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` (a node's function, run by the plugin inside its activity) with namespaced custom writes."""
    if inspect.iscoroutinefunction(func):

        @functools.wraps(func)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with _namespaced_writer(kwargs):
                return await func(*args, **kwargs)

        return run_async

    @functools.wraps(func)
    def run_sync(*args: Any, **kwargs: Any) -> Any:
        with _namespaced_writer(kwargs):
            return func(*args, **kwargs)

    return run_sync


def _drop(_item: Any) -> None:
    return None


@contextmanager
def _namespaced_writer(kwargs: dict[str, Any]) -> Iterator[None]:
    config = var_child_runnable_config.get() or {}
    configurable = config.get("configurable") or {}
    namespace = stream_namespace(configurable.get(CONFIG_KEY_CHECKPOINT_NS) or "")
    runtime = configurable.get(CONFIG_KEY_RUNTIME)
    if not namespace or runtime is None:
        yield
        return
    publish = runtime.stream_writer

    def write(item: Any) -> None:
        publish(namespaced_custom(namespace, item))

    wanted = STREAM_SUBGRAPHS_TAG in (config.get("tags") or [])
    runtime = runtime.override(stream_writer=write if wanted else _drop)
    if "runtime" in kwargs:
        kwargs["runtime"] = runtime
    token = var_child_runnable_config.set({**config, "configurable": {**configurable, CONFIG_KEY_RUNTIME: runtime}})
    try:
        yield
    finally:
        var_child_runnable_config.reset(token)
