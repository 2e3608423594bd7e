"""The worker: runs thread and run workflows, graph nodes and persistence activities.

Start it with `agent-server worker` (or `python worker.py`); run as many replicas as you like.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.plugin import SimplePlugin
from temporalio.worker import UnsandboxedWorkflowRunner, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.client import connect
from activities.graphs import GraphLoadError, GraphSpec, load_graphs
from activities.prepared import NodeDefaults, PreparedGraphs, prepare_graphs
from activities.heartbeat import HeartbeatInterceptor
from activities.token_stream import TokenStreamInterceptor
from activities.persistence import PersistenceActivities
from activities.settings import Settings, get_settings
from activities.storage import Database
from activities.storage.store import project_store_settings, use_process_store
from activities.store_wire import store_batch
from activities.webhooks import WebhookActivities, project_webhook_policy
from api.auth.project import project_auth
from api.context import AppContext
from api.services.crons import CronFiring
from workflows import determinism
from workflows.cron import CronFireWorkflow
from workflows.run import RunWorkflow
from workflows.graph_registry import GraphRegistryInterceptor
from workflows.thread import ThreadWorkflow
from workflows.webhook import WebhookWorkflow

log = logging.getLogger("agent_server.worker")

HEARTBEAT_THROTTLE = timedelta(seconds=1)


# Our modules keep no per-workflow global state, so they are imported once per worker instead of once
# per workflow (sandbox re-imports were ~11% of worker CPU); determinism is still checked at call time.
PASSTHROUGH_MODULES = ("activities", "workflows", "agents")
# Graphs are compiled and run in every workflow: LangChain and LangGraph are imported once as well
# (LangSmith uses numpy).
GRAPH_PASSTHROUGH_MODULES = ("langchain", "langchain_core", "langgraph", "langsmith", "numpy")


def node_defaults(settings: Settings) -> NodeDefaults:
    """Activity options every graph node gets unless its metadata overrides them."""
    return NodeDefaults(
        start_to_close=timedelta(seconds=settings.node_timeout_secs),
        heartbeat=timedelta(seconds=settings.node_heartbeat_timeout_secs),
        max_attempts=settings.node_max_attempts,
    )


class SplitWorkflowRunner(WorkflowRunner):
    """Runs the workflows named in `trusted` without the sandbox and every other one in `guarded`.

    The sandbox guards user code that runs in a workflow (a graph's routers, `execute_in="workflow"`
    nodes). `ThreadWorkflow` runs none: only our admission logic, written against the workflow API
    alone. Its workflow tasks (three of a run's five) then skip the sandbox, whose per-task cost is
    about a third of the worker's CPU under load."""

    def __init__(self, guarded: WorkflowRunner, trusted: frozenset[str]) -> None:
        self.guarded = guarded
        self.trusted = trusted
        self._plain = UnsandboxedWorkflowRunner()

    def _runner(self, workflow_name: str | None) -> WorkflowRunner:
        return self._plain if workflow_name in self.trusted else self.guarded

    def prepare_workflow(self, defn: Any) -> None:
        self._runner(defn.name).prepare_workflow(defn)

    def create_instance(self, det: Any) -> Any:
        return self._runner(det.defn.name).create_instance(det)

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self.guarded.set_worker_level_failure_exception_types(types)
        self._plain.set_worker_level_failure_exception_types(types)


# Workflows made of our own code only (no graph, no user code): they need no sandbox.
TRUSTED_WORKFLOWS = frozenset({"ThreadWorkflow", "WebhookWorkflow", "CronFireWorkflow"})


def workflow_runner(settings: Settings) -> WorkflowRunner:
    """Temporal's sandbox (the default) guards workflow code against non-determinism; without it,
    workflows cost less CPU, but a graph's routers and `execute_in="workflow"` nodes are unguarded."""
    if not settings.workflow_sandbox:
        return UnsandboxedWorkflowRunner()
    sandboxed = SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )
    return SplitWorkflowRunner(sandboxed, TRUSTED_WORKFLOWS)


def build_worker(
    client: Client, settings: Settings, db: Database, graph_plugin: GraphPlugin, **options: Any
) -> Worker:
    """A worker for the thread and run workflows, the graph nodes and the persistence activities."""
    determinism.install()
    persistence = PersistenceActivities(db, on_run_finished=graph_plugin.prepared.run_graphs.release)
    policy = project_webhook_policy(settings.langgraph_config)
    webhooks = WebhookActivities(policy)
    # A cron's firing creates its run as the API does, through the same admission path.
    # A cron's runs are created here, as its creator (api/auth/: the project's handlers are asked).
    crons = CronFiring(AppContext(
        settings=settings, db=db, client=client, graphs=graph_plugin.specs, webhooks=policy,
        auth=project_auth(settings.langgraph_config),
    ))
    return Worker(
        client,
        task_queue=settings.task_queue,
        workflows=[ThreadWorkflow, RunWorkflow, WebhookWorkflow, CronFireWorkflow],
        activities=[
            persistence.start_run,
            persistence.save_step,
            persistence.finish_run,
            persistence.roll_back_run,
            store_batch,
            webhooks.send_webhook,
            crons.fire_cron,
        ],
        plugins=[graph_plugin],
        interceptors=[HeartbeatInterceptor(), TokenStreamInterceptor(settings.stream_batch_interval)],
        workflow_runner=workflow_runner(settings),
        max_concurrent_activities=settings.n_jobs_per_worker,
        max_concurrent_local_activities=settings.n_jobs_per_worker,
        # A crashed worker's sticky queue is abandoned after 1 s instead of 5 (temporal-facts §8).
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=1),
        graceful_shutdown_timeout=timedelta(seconds=5),
        # Heartbeats reach the server at least every second, so a cancel reaches a running node
        # within about a second (the SDK otherwise throttles to 80 % of the heartbeat timeout).
        max_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        default_heartbeat_throttle_interval=HEARTBEAT_THROTTLE,
        **options,
    )


class GraphPlugin(SimplePlugin):
    """The project's graphs on a worker (or a replayer): their node activities, and the registry that
    gives each workflow run the worker's prepared graphs."""

    def __init__(self, prepared: PreparedGraphs, specs: dict[str, GraphSpec] | None = None) -> None:
        self.prepared = prepared
        # The graphs as loaded: what a cron's firing creates its run with (api/services/crons.py).
        self.specs = specs or {}
        super().__init__(
            "agent_server.graphs",
            activities=prepared.activities,
            interceptors=[GraphRegistryInterceptor(prepared)],
            workflow_runner=_with_graph_passthrough,
        )


def _with_graph_passthrough(runner: WorkflowRunner | None) -> WorkflowRunner:
    if isinstance(runner, SplitWorkflowRunner):
        return SplitWorkflowRunner(_with_graph_passthrough(runner.guarded), runner.trusted)
    if isinstance(runner, SandboxedWorkflowRunner):
        return dataclasses.replace(
            runner, restrictions=runner.restrictions.with_passthrough_modules(*PASSTHROUGH_MODULES, *GRAPH_PASSTHROUGH_MODULES)
        )
    return runner or SandboxedWorkflowRunner()


def graph_plugin(settings: Settings) -> GraphPlugin:
    """The project's graphs prepared to run their nodes as activities."""
    graphs = load_graphs(settings.langgraph_config)
    # `get_stream_writer()` in activity nodes publishes to the run's stream in small batches.
    return GraphPlugin(prepare_graphs(graphs, node_defaults(settings), settings.stream_batch_interval), graphs)


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run one worker until `stop` is set (or SIGINT/SIGTERM)."""
    stop = stop or asyncio.Event()
    plugin = graph_plugin(settings)  # first: a graph that cannot load stops the worker before it connects
    db = await Database(settings.database_url, store=project_store_settings(settings.langgraph_config)).open()
    use_process_store(db.store)
    try:
        client = await connect(settings, db, serve_metrics=True)
        worker = build_worker(client, settings, db, plugin)
        async with worker:
            log.info("worker polling task queue %r on %s", settings.task_queue, settings.temporal_address)
            await stop.wait()
    finally:
        await plugin.prepared.run_graphs.close_all()
        await db.close()


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> None:
    """Entry point of `python worker.py` and `agent-server worker`."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or get_settings()

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, stop)

    asyncio.run(_main())


def _exit_after(entry: Callable[[], None]) -> None:
    # The worker has shut down gracefully and closed the database; leftover library tasks can hang
    # interpreter teardown (temporal-facts.md pitfall 17), so leave without it.
    code = 0
    try:
        entry()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except GraphLoadError as exc:  # one message, naming the graph, its file and the reason
        print(f"agent-server worker: cannot start: {exc}", file=sys.stderr, flush=True)
        code = 1
    except BaseException:
        logging.getLogger("agent_server.worker").exception("worker failed")
        code = 1
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":
    _exit_after(main)
