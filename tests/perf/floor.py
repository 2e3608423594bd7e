"""What Temporal alone costs per workflow on this machine: the floor under any design in which each
run is a workflow. No LangGraph, no database of ours, no API: a fresh `temporal server start-dev` with
our tuning flags (api/cli.py) and one worker in this process.

    .venv/bin/python -m tests.perf.floor [-n 200] [-c 50] [--repeat 3]

Prints, per shape, completed workflows/s and CPU ms per workflow of the Temporal server and of this
process (the worker and the starting client). Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

with workflow.unsafe.imports_passed_through():  # the sandbox re-imports this module per workflow
    from activities.binaries import find_binary
    from api.cli import temporal_dev_command
    from tests.helpers import free_port

QUEUE = "floor"


@activity.defn
async def node(value: int) -> int:
    return value + 1


@workflow.defn(sandboxed=False)
class Bare:
    @workflow.run
    async def run(self, value: int) -> int:
        return value + 1


@workflow.defn
class OneActivity:
    @workflow.run
    async def run(self, value: int) -> int:
        return await workflow.execute_activity(node, value, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn(sandboxed=False)
class OneActivityUnsandboxed:
    @workflow.run
    async def run(self, value: int) -> int:
        return await workflow.execute_activity(node, value, start_to_close_timeout=timedelta(seconds=30))


@workflow.defn(sandboxed=False)
class ParentOfOneActivity:
    """Our shape before a run: an admission workflow that starts the run's workflow as a child."""

    @workflow.run
    async def run(self, value: int) -> int:
        return await workflow.execute_child_workflow(OneActivity.run, value, id=f"child-{workflow.info().workflow_id}")


SHAPES = {
    "workflow only": Bare,
    "workflow + 1 activity": OneActivity,
    "workflow + 1 activity, unsandboxed": OneActivityUnsandboxed,
    "parent + child + 1 activity": ParentOfOneActivity,
}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(client: Client, shape: type, n: int, c: int, temporal_pid: int) -> tuple[float, float, float]:
    gate = asyncio.Semaphore(c)

    async def one(i: int) -> None:
        async with gate:
            assert await client.execute_workflow(shape.run, i, id=f"floor-{uuid.uuid4()}", task_queue=QUEUE) == i + 1

    server0, own0, t0 = _cpu_seconds(temporal_pid), time.process_time(), time.monotonic()
    await asyncio.gather(*(one(i) for i in range(n)))
    wall = time.monotonic() - t0
    return n / wall, (_cpu_seconds(temporal_pid) - server0) * 1000 / n, (time.process_time() - own0) * 1000 / n


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=200)
    parser.add_argument("-c", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        port = free_port()
        command = temporal_dev_command(find_binary("temporal"), Path(scratch) / "t.db", port, None, free_port(), free_port())
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    client = await Client.connect(f"127.0.0.1:{port}")
                    break
                except Exception:
                    await asyncio.sleep(0.2)
            worker = Worker(
                client, task_queue=QUEUE, workflows=list(SHAPES.values()), activities=[node],
                workflow_runner=SandboxedWorkflowRunner(), max_concurrent_activities=100,
            )
            async with worker:
                await _measure(client, OneActivity, 20, 10, server.pid)  # warm-up
                print(f"n={args.n} c={args.c}, medians of {args.repeat}")
                print("| shape | workflows/s | Temporal CPU ms/wf | worker+client CPU ms/wf |\n|---|---|---|---|")
                for name, shape in SHAPES.items():
                    runs = [await _measure(client, shape, args.n, args.c, server.pid) for _ in range(args.repeat)]
                    rate, server_ms, own_ms = (statistics.median(r[i] for r in runs) for i in range(3))
                    print(f"| {name} | {rate:.1f} | {server_ms:.1f} | {own_ms:.1f} |", flush=True)
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    asyncio.run(main())
