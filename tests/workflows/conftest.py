"""An in-process worker on its own task queue and SQLite file, for workflow-level tests."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from temporalio.client import WithStartWorkflowOperation
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

import worker as worker_module
from activities.settings import Settings
from activities.storage import Database, ThreadRow
from tests.conftest import TEST_GRAPHS
from workflows.thread import ThreadInput, ThreadWorkflow
from workflows.types import Admission, RunInput, SubmitRun, thread_workflow_id, uuid7


@dataclass
class Harness:
    env: WorkflowEnvironment
    settings: Settings
    db: Database

    async def new_thread(self) -> str:
        thread_id = str(uuid.uuid4())
        async with self.db.session() as session:
            session.add(ThreadRow(thread_id=thread_id, meta={}, config={}))
        return thread_id

    async def submit(self, thread_id: str, graph_id: str, input: Any, strategy: str = "enqueue") -> Admission:
        run = RunInput(run_id=uuid7(), thread_id=thread_id, assistant_id="a", graph_id=graph_id, input=input)
        start = WithStartWorkflowOperation(
            ThreadWorkflow.run,
            # The production default: the admission workflow closes when its last run ends, so
            # back-to-back admissions race its closing (Temporal hands such an update to it).
            ThreadInput(thread_id),
            id=thread_workflow_id(thread_id),
            task_queue=self.settings.task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        )
        return await self.env.client.execute_update_with_start_workflow(
            ThreadWorkflow.submit,
            SubmitRun(run=run, multitask_strategy=strategy, search_attributes={"ThreadId": thread_id}),
            start_workflow_operation=start,
        )




@pytest.fixture
def harness(env: WorkflowEnvironment, tmp_path: Path) -> Callable[..., Any]:
    """`async with harness(**worker_options) as h:` runs a worker while the block runs."""

    @asynccontextmanager
    async def start(**options: Any) -> AsyncIterator[Harness]:
        settings = Settings(
            database_uri=f"sqlite:///{tmp_path / 'db.sqlite'}",
            langgraph_config=TEST_GRAPHS,
            task_queue=f"wf-{uuid.uuid4().hex[:8]}",
            node_max_attempts=2,
        )
        db = await Database(settings.database_url).open()
        try:
            plugin = worker_module.graph_plugin(settings)
            running: Worker = worker_module.build_worker(env.client, settings, db, plugin, **options)
            async with running:
                yield Harness(env, settings, db)
        finally:
            await db.close()

    return start


