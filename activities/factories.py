"""Graph factories: functions that build a graph per run, called as the official server calls them.

A factory may be sync or async, return a graph or a (sync or async) context manager yielding one,
and take nothing, a `RunnableConfig`, a `ServerRuntime` (`langgraph_sdk.runtime`), or both; which
argument goes where is read from the parameters' annotations (a lone unannotated parameter gets the
config). The server calls it once at load time (for the topology the workflow orchestrates), for
every run in the worker that runs the run's nodes (with the run's config; outside the workflow
sandbox, so it may do I/O; a context manager stays open for the run), and for every read in the API.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from activities.auth_user import USER_KEY, as_user

# Why the factory is called (langgraph_sdk.runtime.AccessContext).
RUN = "threads.create_run"
READ_STATE = "threads.read"
UPDATE_STATE = "threads.update"
READ_ASSISTANT = "assistants.read"


def is_factory(obj: Any) -> bool:
    return callable(obj) and not isinstance(obj, (StateGraph, Pregel))


def _parameter_roles(func: Callable[..., Any]) -> list[tuple[str, str, bool]]:
    """(name, "config" | "runtime", positional) for each parameter the factory takes.

    As the official server: one parameter is the runtime when annotated as `ServerRuntime`, else the
    config; of two, exactly one must be annotated as the runtime and the other is the config; more
    is an error (raised at load, naming the graph).
    """
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints = {}
    params = [
        p
        for p in inspect.signature(func).parameters.values()
        if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
        and p.default is inspect.Parameter.empty
    ]
    if len(params) > 2:
        raise TypeError(f"a graph factory takes at most two parameters (a config and a ServerRuntime), got {len(params)}")

    def is_runtime(param: inspect.Parameter) -> bool:
        annotation = hints.get(param.name, param.annotation)
        text = annotation if isinstance(annotation, str) else repr(annotation)
        return any(name in text for name in ("ServerRuntime", "_ExecutionRuntime", "_ReadRuntime"))

    runtimes = [p for p in params if is_runtime(p)]
    if len(params) == 2 and len(runtimes) != 1:
        raise TypeError("a graph factory with two parameters must annotate exactly one of them as ServerRuntime")
    positional_kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [
        (p.name, "runtime" if p in runtimes else "config", p.kind in positional_kinds and len(params) == 1)
        for p in params
    ]


def server_runtime(access_context: str, context: Any = None, user: Any = None) -> Any:
    """The `ServerRuntime` the official server passes, with this process's store and the caller."""
    from langgraph_sdk.runtime import _ExecutionRuntime, _ReadRuntime

    from activities.storage.store import process_store

    store = process_store()
    if access_context == RUN:
        return _ExecutionRuntime(access_context=access_context, user=user, store=store, context=context)  # type: ignore[arg-type]
    return _ReadRuntime(access_context=access_context, user=user, store=store)  # type: ignore[arg-type]


Closer = Callable[[], Awaitable[None]]


async def _no_close() -> None:
    return None


@dataclass
class GraphFactory:
    """A user's factory, and how to call it."""

    graph_id: str
    func: Callable[..., Any]

    def __post_init__(self) -> None:
        try:
            self._roles = _parameter_roles(self.func)
        except TypeError as exc:
            raise ValueError(f"graph {self.graph_id!r}: {exc}") from None

    async def open(self, config: dict[str, Any], access_context: str, context: Any = None) -> tuple[Any, Closer]:
        """Call the factory: the graph object it gives, and how to close what it opened."""
        # The caller (its JSON form in the config; api/auth/) is the runtime's `user`, as there.
        user = as_user((config.get("configurable") or {}).get(USER_KEY))
        values = {"config": config, "runtime": server_runtime(access_context, context, user)}
        args = [values[role] for _name, role, positional in self._roles if positional]
        kwargs = {name: values[role] for name, role, positional in self._roles if not positional}
        result = self.func(*args, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        if hasattr(result, "__aenter__") and hasattr(result, "__aexit__"):
            graph = await result.__aenter__()

            async def close_async() -> None:
                await result.__aexit__(None, None, None)

            return graph, close_async
        if hasattr(result, "__enter__") and hasattr(result, "__exit__") and not isinstance(result, (StateGraph, Pregel)):
            graph = result.__enter__()

            async def close_sync() -> None:
                result.__exit__(None, None, None)

            return graph, close_sync
        return result, _no_close

    @contextlib.asynccontextmanager
    async def build(self, config: dict[str, Any], access_context: str, context: Any = None) -> Any:
        graph, close = await self.open(config, access_context, context)
        try:
            yield graph
        finally:
            await close()

    def build_for_load(self) -> Any:
        """The graph the factory gives at load time (its topology), called with an empty config."""

        async def build() -> Any:
            async with self.build({"configurable": {}}, READ_ASSISTANT) as graph:
                return graph

        # Load runs from sync code, with or without a running loop: give the factory its own loop.
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["graph"] = asyncio.run(build())
            except BaseException as exc:  # re-raised in the caller's thread
                outcome["error"] = exc

        thread = threading.Thread(target=target, name=f"load-{self.graph_id}")
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["graph"]


@dataclass
class _OpenGraph:
    graph: Any
    close: Closer
    last_used: float


class RunGraphs:
    """The graphs factories built for the runs this worker executes nodes of, one per run.

    Built on a run's first node here and kept (a context manager stays open) until the run ends on
    this worker or has been idle for `idle_secs`; a run that moves to another worker (a crash, a
    replay) is built again there from the same config.
    """

    def __init__(self, idle_secs: float = 600.0) -> None:
        self._open: dict[tuple[str, str], _OpenGraph] = {}
        self._building: dict[tuple[str, str], asyncio.Future[_OpenGraph]] = {}
        self._idle_secs = idle_secs

    async def get(self, factory: GraphFactory, run_id: str, config: dict[str, Any], context: Any) -> Any:
        key = (factory.graph_id, run_id)
        found = self._open.get(key)
        if found is not None:
            found.last_used = time.monotonic()
            return found.graph
        pending = self._building.get(key)
        if pending is not None:
            return (await asyncio.shield(pending)).graph
        # A worker that runs only some nodes of a run never sees it end: close idle builds here too.
        await self._close_idle()
        future: asyncio.Future[_OpenGraph] = asyncio.get_running_loop().create_future()
        self._building[key] = future
        try:
            graph, close = await factory.open(config, RUN, context)
            opened = _OpenGraph(graph, close, time.monotonic())
            self._open[key] = opened
            future.set_result(opened)
            return graph
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: concurrent waiters get it, nobody else needs to
            raise
        finally:
            self._building.pop(key, None)

    async def release(self, run_id: str) -> None:
        """The run ended: close what its factories opened here."""
        for key in [k for k in self._open if k[1] == run_id]:
            await self._open.pop(key).close()
        await self._close_idle()

    async def _close_idle(self) -> None:
        now = time.monotonic()
        for key in [k for k, v in self._open.items() if now - v.last_used > self._idle_secs]:
            await self._open.pop(key).close()

    async def close_all(self) -> None:
        for key in list(self._open):
            await self._open.pop(key).close()
