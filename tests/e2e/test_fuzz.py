"""Schema-driven fuzzing of our own API (schemathesis over real HTTP against the real stack).

Valid (positive) and invalid (negative) requests for every operation. Whatever the generated body,
path or query, the server answers: a 2xx, or a 4xx with a `detail` string (on the MCP and A2A
endpoints, whose protocols define their error bodies, an `error` saying what is wrong) — never a 5xx. Bounded: a fixed number of examples per operation, derandomized, each request
with a timeout. Streaming and long-waiting operations are fuzzed too: their bad input must fail fast.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.conftest import Stack

pytestmark = pytest.mark.timeout(400)

EXAMPLES_PER_OPERATION = 10


def _protocol_endpoint(path: str) -> bool:
    return path == "/mcp" or path.startswith("/a2a/") or path.startswith("/.well-known/")


def test_no_server_errors_and_every_error_has_a_detail(sqlite_stack: Stack) -> None:
    schema = schemathesis.openapi.from_url(f"{sqlite_stack.url}/openapi.json")
    failures: list[str] = []
    checked = 0
    statuses: dict[int, int] = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation, mode in [(op, mode) for op in operations for mode in GenerationMode]:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: schemathesis.Case) -> None:  # type: ignore[name-defined]
            nonlocal checked
            checked += 1
            response = case.call(timeout=20)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            problem = None
            if response.status_code >= 500:
                problem = f"{response.status_code} {response.text[:300]}"
            elif response.status_code >= 400:
                try:
                    body = response.json()
                    detail = body.get("detail")
                    if detail is None and _protocol_endpoint(case.formatted_path):
                        error = body.get("error")
                        detail = error.get("message") if isinstance(error, dict) else error
                except ValueError:
                    detail = None
                if not isinstance(detail, str) or not detail:
                    problem = f"{response.status_code} without a detail: {response.text[:300]}"
            if problem:
                failures.append(f"{case.method} {case.formatted_path} body={str(case.body)[:200]!r}: {problem}")

        try:
            check()
        except Unsatisfiable:  # nothing invalid to send (e.g. no parameters): only the valid run counts
            assert mode is GenerationMode.NEGATIVE, operation
    print(f"{checked} requests over {len(operations)} operations; statuses {sorted(statuses.items())}")
    assert checked > 200
    # Both kinds of answer were exercised: valid requests that succeed, invalid ones that are refused.
    assert any(200 <= code < 300 for code in statuses) and 422 in statuses
    assert not failures, "\n".join(sorted(set(failures))[:30])
