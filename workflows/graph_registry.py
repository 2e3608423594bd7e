"""Which prepared graphs a running workflow uses: the ones of the worker that hosts it.

A worker interceptor records, for each workflow run it executes, the worker's `PreparedGraphs`
(two workers in one process may serve different projects), and forgets it when the run's code ends
(a completion, an eviction from the cache: a replay records it again).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from temporalio import workflow
from temporalio.worker import (
    ExecuteWorkflowInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

_by_run: dict[str, Any] = {}
# The graph the current run executes (a Functional API task, shared by graphs, asks it).
current_graph_id: ContextVar[str] = ContextVar("agent_server_graph_id")
# With `stream_subgraphs`, the `astream` modes of the run: a graph invoked inside a node streams them.
subgraph_stream_modes: ContextVar[frozenset[str]] = ContextVar("agent_server_subgraph_modes", default=frozenset())


def prepared_graphs() -> Any:
    """The `PreparedGraphs` of the worker running the current workflow."""
    try:
        return _by_run[workflow.info().run_id]
    except KeyError:
        raise RuntimeError("this workflow runs on a worker without the project's graphs") from None


class GraphRegistryInterceptor(Interceptor):
    def __init__(self, prepared: Any) -> None:
        self._prepared = prepared

    def workflow_interceptor_class(self, input: WorkflowInterceptorClassInput) -> type[WorkflowInboundInterceptor]:
        prepared = self._prepared

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                _by_run[outbound.info().run_id] = prepared
                super().init(outbound)

            async def execute_workflow(self, input: ExecuteWorkflowInput) -> Any:
                try:
                    return await self.next.execute_workflow(input)
                finally:
                    _by_run.pop(workflow.info().run_id, None)

        return Inbound
