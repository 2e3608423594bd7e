"""The store for graph code that runs inside the run's workflow (routers, `execute_in="workflow"`
nodes): each batch of operations is one local activity (`store_batch`), so what it read is
recorded in the run's history and replayed, never read again, and a write is not repeated."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from langgraph.store.base import BaseStore, Op, Result

    from activities.store_wire import op_to_wire, result_from_wire, store_batch


class WorkflowStore(BaseStore):
    def batch(self, ops: Iterable[Op]) -> list[Result]:
        raise RuntimeError(
            "graph code running in the workflow can use the store only through its async methods "
            "(aget, aput, asearch, alist_namespaces, adelete): a workflow cannot block"
        )

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        ops = list(ops)
        wired = await workflow.execute_local_activity(
            store_batch,
            [op_to_wire(op) for op in ops],
            start_to_close_timeout=timedelta(seconds=60),
            # A database that is briefly away is retried; a refused operation fails the node at once.
            retry_policy=RetryPolicy(maximum_attempts=5, non_retryable_error_types=["InvalidStoreOperation"]),
        )
        return [result_from_wire(result, op) for result, op in zip(wired, ops, strict=True)]
