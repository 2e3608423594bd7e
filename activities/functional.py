"""Functional API graphs (`@entrypoint` with `@task`s) prepared for the worker.

An async entrypoint runs in the workflow, as orchestration: each `@task` it calls runs as its own
activity (`<graph>.<task name>`), so parallel tasks run in parallel and a finished task is never
run again. The tasks are found where the entrypoint can reach them (its module's globals and its
closure), and each keeps its own LangGraph `RetryPolicy`, applied by its activity.

A sync entrypoint cannot run in a workflow (it blocks on its tasks' futures), so it runs whole in
one activity, its tasks called in line there: the run is durable step by step at the entrypoint,
not at each task.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._runnable import RunnableCallable
from langgraph.func import _TaskFunction
from langgraph.pregel import Pregel
from temporalio import workflow

from activities.node_runner import ResolvedNode, define_node_activity


def entrypoint_function(entrypoint: Pregel[Any, Any, Any, Any]) -> tuple[str, Any, Callable[..., Any]]:
    """(node name, the node, the user's function) of an entrypoint's single node."""
    [(name, node)] = entrypoint.nodes.items()
    bound = node.bound
    func = getattr(bound, "func", None) or getattr(bound, "afunc", None)
    return name, node, func


def is_async_entrypoint(func: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(func)


def reachable_tasks(func: Callable[..., Any]) -> list[_TaskFunction[Any, Any]]:
    """The `@task`s an entrypoint can call: in its closure, its module's globals, the modules it
    imports and the globals of the functions it refers to (one level: helpers that call tasks)."""
    found: dict[int, _TaskFunction[Any, Any]] = {}
    globals_ = getattr(func, "__globals__", {})
    values = list(globals_.values())
    for cell in getattr(func, "__closure__", None) or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:
            continue
    for value in list(values):
        if inspect.ismodule(value) and not value.__name__.startswith(("langgraph", "langchain", "typing", "asyncio")):
            values.extend(vars(value).values())
        elif inspect.isfunction(value) and value.__globals__ is not globals_:
            values.extend(value.__globals__.values())
    for value in values:
        if isinstance(value, _TaskFunction):
            found[id(value)] = value
    return list(found.values())


# A task object may serve several graphs: its stub asks the running workflow which graph it is in.
_original_funcs: dict[int, Callable[..., Any]] = {}


def task_name(task: _TaskFunction[Any, Any]) -> str:
    """A task's name as LangGraph gives it (`@task(name=...)`, else its function's name)."""
    original = _original_funcs.get(id(task), task.func)
    return getattr(original, "__name__", None) or type(original).__name__


def task_activity_name(graph_id: str, task: _TaskFunction[Any, Any]) -> str:
    return f"{graph_id}.{task_name(task)}"


def install_task_stub(task: _TaskFunction[Any, Any], current_graph: Callable[[], str], options: Callable[[str], dict[str, Any]]) -> None:
    """Make `task` run as an activity when called from a workflow (once per task object)."""
    if id(task) in _original_funcs:
        return
    original = task.func
    _original_funcs[id(task)] = original
    from workflows.node_activity import apply_result, execute_node_activity, node_call

    async def run_task(*args: Any, **kwargs: Any) -> Any:
        if not workflow.in_workflow():
            result = original(*args, **kwargs)
            return await result if inspect.isawaitable(result) else result
        from langgraph.config import get_config

        config = get_config()
        graph_id = current_graph()
        name = task_activity_name(graph_id, task)
        call = node_call(graph_id, [task_name(task)], [list(args), kwargs], config)
        result = await execute_node_activity(name, call, summary=task_name(task), **options(task_name(task)))
        return apply_result(result, config)

    run_task.__name__ = getattr(original, "__name__", task_name(task))
    run_task.__qualname__ = getattr(original, "__qualname__", task_name(task))
    task.func = run_task
    task._agent_server_retry = tuple(task.retry_policy or ())  # type: ignore[attr-defined]
    # Its retry policy is applied by its activity (attempts in the Temporal UI), not by LangGraph
    # in the workflow.
    task.retry_policy = ()


def task_runnable(task: _TaskFunction[Any, Any]) -> RunnableCallable:
    """The task's own function, called with the `[args, kwargs]` its `NodeCall` carries."""
    original = _original_funcs.get(id(task), task.func)

    async def call_task(arguments: Any, config: RunnableConfig) -> Any:
        args, kwargs = arguments
        if inspect.iscoroutinefunction(original):
            return await original(*args, **kwargs)
        return await asyncio.to_thread(original, *args, **kwargs)

    return RunnableCallable(None, call_task, name=task_name(task), trace=False)


def task_activity(graph_id: str, task: _TaskFunction[Any, Any], context_schema: Any, batch_interval: Any) -> Any:
    name = task_activity_name(graph_id, task)
    policies = tuple(getattr(task, "_agent_server_retry", ()) or ())
    return define_node_activity(name, ResolvedNode(task_runnable(task), policies, context_schema), batch_interval)
