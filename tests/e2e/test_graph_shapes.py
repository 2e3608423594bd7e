"""The graph shapes real projects use, run through the official SDK against the real stack.

The project is tests/shapes (its own langgraph.json): every kind of node, `Send` with dataclass
arguments, lists of `Command`s, `Command(goto=[Send])`, a typed context and the run's
`configurable` inside nodes, a chat model and a chain as nodes, a LangGraph `RetryPolicy`, a module
spec, factories of every form (per run, in the worker; a context manager open for the run), and the
Functional API. Expected values are what plain LangGraph gives for the same graph in process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from langgraph_sdk import get_client
from temporalio.testing import WorkflowEnvironment

from tests.conftest import ROOT, Stack, start_stack
from tests.helpers import assert_eventually, system_assistant_id

pytestmark = pytest.mark.timeout(120)

SHAPES = ROOT / "tests" / "shapes" / "langgraph.json"


@pytest_asyncio.fixture(scope="module")
async def shapes_stack(env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    tmp = tmp_path_factory.mktemp("shapes-stack")
    stack = start_stack(env, tmp, langgraph_config=SHAPES, extra_env={"SHAPES_LOG": str(tmp / "factory.log")})
    yield stack
    stack.stop()


def _factory_log(stack: Stack) -> list[str]:
    path = Path(stack.env["SHAPES_LOG"])
    return path.read_text().splitlines() if path.exists() else []


def _zoo() -> Any:
    """tests/shapes/zoo.py, imported in this process (to run its graphs with plain LangGraph)."""
    import importlib.util
    import sys

    name = "shapes_zoo_in_process"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "shapes" / "zoo.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


async def _in_process(graph_name: str, value: Any, **kwargs: Any) -> Any:
    """What plain LangGraph returns for the same graph and input."""
    return await getattr(_zoo(), graph_name).ainvoke(value, **kwargs)


async def test_every_kind_of_node_runs_and_sees_what_langgraph_gives_it(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    thread = await client.threads.create()
    context = {"name": "Ada", "punctuation": "?"}
    custom: list[Any] = []
    async for part in client.runs.stream(
        thread["thread_id"], "zoo", input={"x": 1}, context=context, stream_mode=["custom", "values"]
    ):
        if part.event == "custom":
            custom.append(part.data)
        assert part.event != "error", part.data
    state = (await client.threads.get_state(thread["thread_id"]))["values"]
    expected = await _in_process("zoo", {"x": 1}, context=_caller(context))
    assert state["trace"] == expected["trace"]
    assert state["trace"][:6] == ["closure", "lambda", "partial", "object", "method", "chain"]
    assert sorted(state["trace"][6:9]) == ["square1", "square2", "square3"]
    assert state["trace"][9:] == ["hop", f"last{state['x'] * 100}"]
    assert sorted(state["squares"]) == [1, 4, 9]
    assert state["x"] == expected["x"] == 18  # ((1 + 1) * 2 + 10 + 1) + 3
    # A dataclass context arrives as an instance of the dataclass.
    assert state["note"] == "hello Ada?!"
    assert state["seen"]["runtime_context"] == "Ada" and state["seen"]["thread_id_in_config"]
    assert custom == [{"from": "last", "x": 1800}]


def _caller(context: dict[str, Any]) -> Any:
    return _zoo().Caller(**context)


async def test_a_typed_context_gets_its_defaults_and_nodes_get_the_runs_configurable(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    thread = await client.threads.create()
    values = await client.runs.wait(thread["thread_id"], "zoo", input={"x": 1}, config={"configurable": {"greeting": "howdy"}})
    assert values["note"] == "howdy nobody.!"  # the context schema's defaults
    assert values["seen"]["runtime_context"] == "nobody"
    assert values["seen"]["greeting_in_config"] == "howdy"  # `get_config()` inside a node

    values = await client.runs.wait(thread["thread_id"], "zoo", input={"x": 1})
    assert values["note"] == "hello nobody.!"  # the greeting from the env file of langgraph.json


async def test_a_chat_model_and_a_chain_run_as_nodes(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    values = await client.runs.wait(None, "chat", input=[{"role": "user", "content": "hi there"}])
    assert [(m["type"], m["content"]) for m in values] == [("human", "hi there"), ("ai", "HI THERE"), ("ai", "HI THERE")]


@pytest.mark.parametrize(("graph", "kind"), [("pydantic_state", "PydanticState"), ("dataclass_state", "DataclassState")])
async def test_nodes_get_the_states_own_type(shapes_stack: Stack, graph: str, kind: str) -> None:
    client = get_client(url=shapes_stack.url)
    thread = await client.threads.create()
    values = await client.runs.wait(thread["thread_id"], graph, input={"count": 1})
    assert values == {"count": 3, "seen": [kind, kind]}  # both nodes got an instance of the schema
    assert (await client.threads.get_state(thread["thread_id"]))["values"] == values


async def test_a_retry_policy_retries_what_it_names_as_temporal_attempts(shapes_stack: Stack, env: WorkflowEnvironment, tmp_path: Path) -> None:
    client = get_client(url=shapes_stack.url)
    counter = tmp_path / "attempts"
    run = await client.runs.create(None, "flaky", input={"counter_file": str(counter), "fail_times": 2})
    values = await client.runs.join(run["thread_id"], run["run_id"])
    assert values["attempts"] == 3
    history = await env.client.get_workflow_handle(f"run-{run['run_id']}").fetch_history()
    started = [e.activity_task_started_event_attributes.attempt for e in history.events if e.HasField("activity_task_started_event_attributes")]
    assert started == [3]  # one activity, its third attempt succeeded (Temporal records the last start)

    fatal = tmp_path / "fatal"
    run = await client.runs.create(None, "flaky", input={"counter_file": str(fatal), "fatal": True})
    joined = await client.runs.join(run["thread_id"], run["run_id"])
    assert joined["__error__"]["error"] == "KeyError"
    assert fatal.read_text() == "1"  # the policy retries `Flaky` only: no second attempt


async def test_the_compiled_graphs_own_name_and_recursion_limit(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    [assistant] = await client.assistants.search(graph_id="limited")
    assert assistant["name"] == "counter"
    with pytest.raises(Exception, match="GraphRecursionError: Recursion limit of 3"):  # `.with_config(recursion_limit=3)`
        await client.runs.wait(None, "limited", input={"n": 0})
    assert (await client.runs.wait(None, "limited", input={"n": 0}, config={"recursion_limit": 10})) == {"n": 5}


async def test_a_graph_named_as_a_module(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    assert (await client.runs.wait(None, "by_module", input={"text": "world"}))["text"] == "hello world"
    [assistant] = await client.assistants.search(graph_id="by_module")
    assert assistant["graph_id"] == "by_module"


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ("sync_factory", {"flavor": "mint", "kind": "sync"}),
        ("async_factory", {"kind": "async"}),
        ("cm_factory", {"kind": "cm", "access_context": "threads.create_run", "executing": True}),
        ("both_factory", {"kind": "both", "flavor": "mint", "access_context": "threads.create_run"}),
    ],
)
async def test_factories_build_each_run_with_its_config(shapes_stack: Stack, graph: str, expected: dict[str, Any]) -> None:
    client = get_client(url=shapes_stack.url)
    thread = await client.threads.create()
    values = await client.runs.wait(thread["thread_id"], graph, input={}, config={"configurable": {"flavor": "mint"}})
    assert values["seen"] == expected
    # Read paths build the graph too (the state's next nodes come from its topology).
    state = await client.threads.get_state(thread["thread_id"])
    assert state["values"]["seen"] == expected and state["next"] == []
    schemas = await client.assistants.get_schemas(await system_assistant_id(client, graph))
    assert "seen" in schemas["state_schema"]["properties"]


async def test_a_context_manager_factory_stays_open_for_the_run_and_closes_after(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    before = len(_factory_log(shapes_stack))
    await client.runs.wait(None, "cm_factory", input={})
    run_lines = [line for line in _factory_log(shapes_stack)[before:] if "threads.create_run" in line]
    # Opened once for the run's two nodes, closed when the run ended.
    assert run_lines == ["open threads.create_run", "close threads.create_run"]
    await client.assistants.get_graph(await system_assistant_id(client, "cm_factory"))
    assert _factory_log(shapes_stack)[-2:] == ["open assistants.read", "close assistants.read"]


async def test_functional_api_tasks_interrupt_resume_and_previous(shapes_stack: Stack, env: WorkflowEnvironment) -> None:
    client = get_client(url=shapes_stack.url)
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "flow", input={"n": 1})
    await client.runs.join(thread["thread_id"], run["run_id"])
    state = await client.threads.get_state(thread["thread_id"])
    [task] = [t for t in state["tasks"] if t["interrupts"]]
    assert task["interrupts"][0]["value"] == {"question": "keep 6?"}  # 2*1 + 2*2
    history = await env.client.get_workflow_handle(f"run-{run['run_id']}").fetch_history()
    scheduled = [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
    assert sorted(scheduled) == ["flow.ask", "flow.double", "flow.double"]  # each task its own activity

    values = await client.runs.wait(thread["thread_id"], "flow", command={"resume": "yes"})
    assert values == {"sum": 6, "answer": "yes", "previous": None}
    # The next run sees what the last one saved (`entrypoint.final(save=...)`).
    run = await client.runs.create(thread["thread_id"], "flow", input={"n": 0})
    await client.runs.join(thread["thread_id"], run["run_id"])
    values = await client.runs.wait(thread["thread_id"], "flow", command={"resume": "no"})
    assert values == {"sum": 2, "answer": "no", "previous": 6}


async def test_a_sync_functional_entrypoint_runs(shapes_stack: Stack) -> None:
    client = get_client(url=shapes_stack.url)
    assert await client.runs.wait(None, "sync_flow", input={"n": 21}) == {"doubled": 42}


async def test_worker_kill_during_a_factory_graphs_node(shapes_stack: Stack, tmp_path: Path) -> None:
    """kill -9 of the worker while a factory-built graph's node runs: the run completes on the new
    worker, which builds the graph again, and the finished node is not run again."""
    client = get_client(url=shapes_stack.url)
    gate, log = tmp_path / "gate", tmp_path / "nodes.log"
    before = _factory_log(shapes_stack).count("open threads.create_run")
    thread = await client.threads.create()
    run = await client.runs.create(thread["thread_id"], "cm_factory", input={"gate": str(gate), "log": str(log)})

    def node_started() -> None:
        assert log.exists() and "report-started" in log.read_text().splitlines()

    await assert_eventually(node_started)
    shapes_stack.kill_worker()
    shapes_stack.start_worker()
    gate.touch()
    values = await asyncio.wait_for(client.runs.join(run["thread_id"], run["run_id"]), 60)
    assert values["seen"]["kind"] == "cm"
    lines = log.read_text().splitlines()
    assert lines.count("report-started") == 2 and lines.count("after") == 1
    assert _factory_log(shapes_stack).count("open threads.create_run") - before == 2  # built again after the crash
    assert (await client.runs.get(run["thread_id"], run["run_id"]))["status"] == "success"
