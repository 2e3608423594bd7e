"""RunWorkflow: one workflow per run (`run-{run_id}`). It orchestrates only; activities do the I/O."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, is_cancelled_exception

with workflow.unsafe.imports_passed_through():
    from langgraph._internal._constants import INTERRUPT
    from langgraph.types import Command

    from activities.messages import FinishRun, StartRun
    from activities.persistence import PersistenceActivities
    from temporalio.contrib.workflow_streams import WorkflowStream

    from activities.wire import interrupt_to_wire, jsonable, snapshot_to_wire
    from workflows.checkpointer import WorkflowCheckpointer, current_checkpointer
    from workflows.determinism import IdSource, deterministic_ids
    from workflows.graph_registry import current_graph_id, prepared_graphs, subgraph_stream_modes
    from workflows.status import USER_INTERRUPT
    from workflows.streaming import (
        EVENTS_TOPIC,
        MessageEvents,
        astream_modes,
        public_event,
        wire_part,
        STREAM_SUBGRAPHS_TAG,
        event_name,
        EVENT_STREAMING_V2_KEY,
        message_tags,
        messages_from_update,
        requested_modes,
        wants_tokens,
        wire_mode,
    )
    from workflows.store import WorkflowStore
    from workflows.types import RunInput, RunResult
    from workflows.webhook import start_webhook, webhook_payload

_BOOKKEEPING_TIMEOUT = timedelta(seconds=30)
RECURSION_LIMIT = 25


def _error_payload(exc: BaseException) -> dict[str, str]:
    """The official `{"error": <type>, "message": ...}`, unwrapping Temporal's activity errors."""
    cause: BaseException = exc
    while getattr(cause, "cause", None) is not None:
        cause = cause.cause  # type: ignore[assignment]
    kind = getattr(cause, "type", None) or type(cause).__name__
    message = getattr(cause, "message", None) or str(cause)
    return {"error": str(kind), "message": str(message)}


def _started_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The run's kwargs once it starts: its config's metadata gains `run_attempt`, as the official
    server records it (and as the graph's config carries it)."""
    config = dict(kwargs.get("config") or {})
    config["metadata"] = {**(config.get("metadata") or {}), "run_attempt": 1}
    return {**kwargs, "config": config}


def _graph_input(run: RunInput) -> Any:
    if run.command is not None:
        command = dict(run.command)
        return Command(
            resume=command.get("resume"),
            update=command.get("update"),
            goto=command.get("goto") or (),
        )
    return run.input


def _allow_callbacks_to_stream() -> None:
    """LangGraph forwards subgraph stream parts and callback events with `loop.call_soon_threadsafe`,
    which Temporal's workflow event loop does not implement. A workflow has a single thread, so
    `call_soon` (itself deterministic) is the same thing here."""
    loop = asyncio.get_running_loop()
    loop.call_soon_threadsafe = loop.call_soon  # type: ignore[method-assign]


@workflow.defn
class RunWorkflow:
    """Runs one graph invocation on a thread, checkpointing each step through activities."""

    @workflow.init
    def __init__(self, run: RunInput) -> None:
        self._run = run
        self._begun = not run.wait_for_turn
        self._status = "pending"
        self._started_at: datetime | None = None
        self._saver = WorkflowCheckpointer(run.thread_id, forked_from=run.checkpoint_id)
        self._app: Any = None
        self._config: dict[str, Any] = {}
        # The run's durable event stream (SSE `stream` / `join_stream` read it by offset); activity
        # nodes publish their `get_stream_writer()` items to it through the LangGraph plugin.
        self._stream = WorkflowStream()
        self._events = self._stream.topic(EVENTS_TOPIC)

    @workflow.signal
    def begin(self) -> None:
        """The thread's previous run has ended: this queued run may start."""
        self._begun = True

    @workflow.query
    def progress(self) -> dict[str, Any]:
        """The run's status as the workflow sees it, and the latest checkpoint id."""
        latest = self._saver.latest
        return {"status": self._status, "checkpoint_id": latest.checkpoint["id"] if latest else None}

    @workflow.query
    def state(self) -> dict[str, Any] | None:
        """The thread's current state (the official `ThreadState`) while the run is live."""
        if self._app is None or self._saver.latest is None:
            return None
        return snapshot_to_wire(self._app.get_state(self._latest_config()))

    @workflow.run
    async def run(self, run: RunInput) -> RunResult:
        try:
            if run.after_seconds:
                await workflow.sleep(run.after_seconds)
            await workflow.wait_condition(lambda: self._begun)
        except asyncio.CancelledError:
            # Cancelled before it started (queued or delayed): record it; the thread is untouched.
            await self._finish(run, "interrupted", started=False)
            raise
        stored = await workflow.execute_local_activity_method(
            PersistenceActivities.start_run,
            StartRun(
                run_id=run.run_id,
                thread_id=run.thread_id,
                assistant_id=run.assistant_id,
                graph_id=run.graph_id,
                checkpoint_id=run.checkpoint_id,
                kwargs=_started_kwargs(run.kwargs),
                metadata=run.metadata,
                multitask_strategy=run.multitask_strategy,
            ),
            start_to_close_timeout=_BOOKKEEPING_TIMEOUT,
        )
        self._status = "running"
        self._started_at = workflow.now()
        rng = workflow.random()
        ids = IdSource(now_100ns=lambda: int(workflow.now().timestamp() * 10_000_000), randbits=rng.getrandbits)
        if stored is not None:
            self._saver.seed(stored)
            ids.observe(stored.checkpoint_id)

        self._shape = shape = prepared_graphs().workflow_shape(run.graph_id)
        current_graph_id.set(run.graph_id)
        current_checkpointer.set(self._saver)
        self._app = shape.compile(
            checkpointer=self._saver,
            # `runtime.store` of graph code running here (routers, workflow nodes); activity nodes
            # get the worker's store itself.
            store=WorkflowStore(),
            interrupt_before=run.interrupt_before,
            interrupt_after=run.interrupt_after,
        )
        # No `checkpoint_ns` of its own: LangGraph gives the root namespace "" (and callbacks would
        # show the key in every event's metadata, which the official server's do not).
        configurable = {**run.config.get("configurable", {}), "thread_id": run.thread_id}
        if run.checkpoint_id:
            configurable["checkpoint_id"] = run.checkpoint_id
        protocol_v2 = bool(run.config.get("configurable", {}).get(EVENT_STREAMING_V2_KEY))
        tags = [*(run.config.get("tags") or []), *message_tags(requested_modes(run.kwargs.get("stream_mode")), protocol_v2)]
        if run.kwargs.get("subgraphs"):
            tags.append(STREAM_SUBGRAPHS_TAG)
        self._config = {
            **run.config,
            "tags": tags,
            "configurable": configurable,
            # run_attempt: a run is one workflow, whatever its activities' attempts (the official key).
            "metadata": {**run.config.get("metadata", {}), **run.metadata, "run_attempt": 1},
        }
        # The run's own limit, else the one the graph was compiled with (`with_config`), else LangGraph's.
        limit = run.config.get("recursion_limit") or shape.config.get("recursion_limit") or RECURSION_LIMIT
        self._config["recursion_limit"] = limit

        status, error, output = "success", None, None
        try:
            with deterministic_ids(ids):
                output = await self._execute(run)
        except (Exception, asyncio.CancelledError) as exc:
            if is_cancelled_exception(exc):
                # Cancelled mid-run (the running node's activity was cancelled too): keep what it
                # wrote, show the thread as its last checkpoint left it, and end as cancelled.
                # As the official server: the thread is `interrupted` (its node never finished) and
                # its error says who interrupted it.
                latest = self._saver.latest is not None
                snapshot = await self._app.aget_state(self._latest_config()) if latest else None
                await self._finish(
                    run, "interrupted", values=snapshot.values if snapshot else None, error=USER_INTERRUPT,
                    has_pending_nodes=True,
                )
                raise
            # A node failed after its retries, or the graph is invalid.
            status, error = "error", _error_payload(exc)
            workflow.logger.warning("run %s failed: %s", run.run_id, error, exc_info=True)

        snapshot = await self._app.aget_state(self._latest_config())
        values = snapshot.values if self._saver.latest is not None else output
        interrupts = {t.id: [interrupt_to_wire(i) for i in t.interrupts] for t in snapshot.tasks if t.interrupts}
        await self._finish(
            run, status, values=values, interrupts=interrupts, error=error, has_pending_nodes=bool(snapshot.next)
        )
        if error is not None:
            raise ApplicationError(error["message"], error, type=error["error"], non_retryable=True)
        # Join and wait answer with the run's last `values` part, as LangGraph's own `invoke` does:
        # after an interrupt it also holds the writes of the step's tasks that did finish, which the
        # checkpoint keeps as pending writes (the thread's state, above, does not show them yet).
        return RunResult(status=status, values=output if output is not None else values)

    async def _execute(self, run: RunInput) -> Any:
        """Run the graph, publishing the stream modes the run asked for; returns the final values."""
        requested = requested_modes(run.kwargs.get("stream_mode"))
        subgraphs = bool(run.kwargs.get("subgraphs"))
        if subgraphs or "events" in requested:
            _allow_callbacks_to_stream()
        if subgraphs:
            # Graphs that nodes invoke themselves (sub-agents) stream these modes from their activity.
            subgraph_stream_modes.set(frozenset(m for m in astream_modes(requested) if wire_mode(m, requested)))
        tokens = wants_tokens(requested)
        messages = MessageEvents(tuples="messages-tuple" in requested, partials="messages" in requested)
        output = None
        async for part in self._parts(run, requested, subgraphs):
            namespace, mode, chunk = part if subgraphs else ((), *part)
            if mode == "values" and not namespace:
                output = self._output_of(chunk)
            # A node's returned messages (tool results) come before its `updates` part, as on the
            # official server, whose message handler sees them when the node writes them.
            if mode == "updates" and tokens:
                for message, metadata in messages_from_update(chunk):
                    for event in messages.complete(message, metadata):
                        self._events.publish(event)
            wire = wire_mode(mode, requested)
            if wire is not None:
                self._events.publish(
                    {"event": event_name(wire, tuple(namespace)), "data": jsonable(wire_part(wire, chunk))}
                )
        return output

    async def _parts(self, run: RunInput, requested: list[str], subgraphs: bool) -> Any:
        """The graph's `astream` parts; with the `events` mode, taken from `astream_events`, whose
        every event is published as it comes (the parts ride in the root's `on_chain_stream`)."""
        options: dict[str, Any] = {
            # As the official server: `{}` when the run gives none, so a typed `context_schema` gets
            # its defaults (LangGraph coerces the dict to the schema).
            "context": self._shape.filter_context(run.context or {}),
            "durability": "sync",
            "stream_mode": astream_modes(requested),
            "subgraphs": subgraphs,
        }
        if "events" not in requested:
            async for part in self._app.astream(_graph_input(run), self._config, **options):
                yield part
            return
        # As the official server: the root run of the events is the run itself, named after its graph.
        config = {**self._config, "run_id": uuid.UUID(run.run_id), "run_name": run.graph_id}
        async for event in self._app.astream_events(_graph_input(run), config, version="v2", **options):
            if event.get("event") == "on_chain_stream" and not event.get("parent_ids"):
                # The root's stream events carry the run's other modes' parts: published as those
                # modes, not as `events` (as the official server does).
                yield event["data"]["chunk"]
                continue
            self._events.publish({"event": "events", "data": jsonable(public_event(event))})

    def _output_of(self, values: Any) -> Any:
        """A `values` part as `invoke` returns it: only the graph's output channels (a streamed part
        carries every stream channel, private ones such as create_agent's middleware state too);
        the interrupts LangGraph adds to it stay."""
        keys = self._app.output_channels
        if isinstance(keys, list) and isinstance(values, dict):
            return {k: v for k, v in values.items() if k in keys or k == INTERRUPT}
        return values

    def _latest_config(self) -> dict[str, Any]:
        """The run's config pointing at the newest checkpoint (a fork's config names its starting one)."""
        configurable = {k: v for k, v in self._config["configurable"].items() if k != "checkpoint_id"}
        return {**self._config, "configurable": configurable}

    async def _finish(self, run: RunInput, status: str, **outcome: Any) -> None:
        self._status = status
        ended_at = workflow.now()
        await workflow.execute_local_activity_method(
            PersistenceActivities.finish_run,
            FinishRun(
                run_id=run.run_id, thread_id=run.thread_id, status=status, delete_thread=run.temporary,
                # What the run wrote since its last save (interrupt and error writes, the last
                # checkpoints) is stored by the same local activity, before the outcome.
                step=self._saver.take_unsaved(), **outcome,
            ),
            start_to_close_timeout=_BOOKKEEPING_TIMEOUT,
        )
        # `patched`: runs recorded before webhooks were called kept `webhook` in their kwargs; their
        # replays (state queries of closed runs) must not issue a child start they never made.
        if run.kwargs.get("webhook") and workflow.patched("run-webhook"):
            payload = webhook_payload(
                run, status, outcome.get("values"), outcome.get("error"), self._started_at, ended_at
            )
            await start_webhook(run, payload)
        # Release stream subscribers waiting in a poll: they read the rest through the query once the
        # workflow has closed, instead of having their update cut off by its end.
        self._stream.detach_pollers()
        await workflow.wait_condition(workflow.all_handlers_finished)
