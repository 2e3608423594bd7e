"""`/metrics` (issue 16): the official Prometheus text and `?format=json`, parsed, with our figures
(runs by status, run durations, streams, the task queue), and a worker's Temporal SDK metrics
(node activity latency by `<graph>.<node>`) at WORKER_METRICS_ADDRESS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Stack, free_port, start_stack
from tests.helpers import assert_eventually

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def metrics_stack(env: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start_stack(env, tmp_path_factory.mktemp("metrics"), extra_env={"WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}"})
    yield stack
    stack.stop()


def _samples(text: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


async def test_metrics_show_the_queue_requests_runs_and_task_queue(metrics_stack: Stack) -> None:
    client = get_client(url=metrics_stack.url)
    thread = await client.threads.create()
    for _ in range(2):
        await client.runs.wait(thread["thread_id"], "agent", input={"messages": [{"role": "user", "content": "hi"}]})
    async with httpx.AsyncClient(base_url=metrics_stack.url, timeout=30) as http:
        text = await http.get("/metrics")
        assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
        samples = _samples(text.text)
        assert samples["lg_api_num_pending_runs"][0].value == 0 and samples["lg_api_num_running_runs"][0].value == 0
        assert {s.labels["status"]: s.value for s in samples["agent_server_runs"]}["success"] == 2
        assert [s.value for s in samples["agent_server_run_duration_seconds_gcount"]] == [2]
        waits = [s for s in samples["lg_api_http_requests_total"] if s.labels["path"] == "/threads/{thread_id}/runs/wait"]
        assert [(s.labels["method"], s.labels["status"], s.value) for s in waits] == [("POST", "200", 2.0)]
        assert samples["agent_server_temporal_activity_pollers"][0].value >= 1
        assert "agent_server_temporal_workflow_backlog" in samples and "process_cpu_seconds_total" in samples

        as_json = (await http.get("/metrics", params={"format": "json"})).json()
        assert set(as_json["queue"]) == {
            "n_pending", "n_running", "pending_runs_wait_time_max_secs", "pending_runs_wait_time_med_secs",
            "pending_unblocked_runs_wait_time_max_secs",
        }
        assert as_json["runs"]["by_status"]["success"] == 2 and as_json["streams"] == {"active": 0}
        assert any(r["path"] == "/threads/{thread_id}/runs/wait" for r in as_json["api"]["http_requests_total"])

        # An open stream is counted while it is open.
        async with http.stream("GET", f"/threads/{thread['thread_id']}/stream") as _open:
            async def counted() -> None:
                figures = (await httpx.AsyncClient(base_url=metrics_stack.url).get("/metrics", params={"format": "json"})).json()
                assert figures["streams"]["active"] == 1

            await assert_eventually(counted)


async def test_a_worker_serves_node_latency_by_graph_and_node(metrics_stack: Stack) -> None:
    client = get_client(url=metrics_stack.url)
    await client.runs.wait(None, "agent", input={"messages": [{"role": "user", "content": "hi"}]})
    address = metrics_stack.env["WORKER_METRICS_ADDRESS"]
    async with httpx.AsyncClient(timeout=30) as http:
        samples = _samples((await http.get(f"http://{address}/metrics")).text)
    latency = [s for name, found in samples.items() if name.startswith("temporal_activity_execution_latency") for s in found]
    assert any(s.labels.get("activity_type", "").startswith("agent.") for s in latency), sorted(samples)
