"""A node's failure as the API shows it, the pagination headers, and the harness's reading of the
deliberate-differences list."""

from __future__ import annotations

from pathlib import Path

from fastapi import Response
from temporalio.exceptions import ActivityError, ApplicationError, CancelledError

from api.services.pagination import page_of, set_page_headers
from tests.differential.api_harness import deliberate_differences
from workflows.node_activity import NodeFailed
from workflows.run import _error_payload


def _activity_error(cause: BaseException) -> ActivityError:
    error = ActivityError(
        "Activity task failed", scheduled_event_id=5, started_event_id=6, identity="w",
        activity_type="g.explode", activity_id="1", retry_state=None,
    )
    error.__cause__ = cause
    return error


def test_a_node_that_raised_fails_with_its_own_type_and_message() -> None:
    failed = NodeFailed.from_activity_error(_activity_error(ApplicationError("boom after 1 items", type="ValueError")))
    assert failed is not None
    # What LangGraph writes to the task's error, and what the run's error payload says.
    assert repr(failed) == "ValueError('boom after 1 items')"
    assert _error_payload(failed) == {"error": "ValueError", "message": "boom after 1 items"}


def test_a_cancelled_activity_stays_temporal_s_error() -> None:
    assert NodeFailed.from_activity_error(_activity_error(CancelledError("cancelled"))) is None


def test_pages_and_their_headers() -> None:
    page, info = page_of(list(range(3)), offset=4, limit=2)  # fetched limit + 1: another page follows
    assert page == [0, 1] and info.next_offset == 6
    response = Response()
    set_page_headers(response, info)
    assert response.headers["X-Pagination-Next"] == "6" and response.headers["X-Pagination-Total"] == "7"

    page, info = page_of([0, 1], offset=4, limit=2)  # the last page
    last = Response()
    set_page_headers(last, info)
    assert info.next_offset is None and "X-Pagination-Next" not in last.headers
    assert last.headers["X-Pagination-Total"] == "6"


def test_deliberate_differences_are_read_from_their_section_only(tmp_path: Path) -> None:
    doc = tmp_path / "compatibility.md"
    doc.write_text(
        "# C\n\n- `elsewhere`: not this section\n\n## API harness: deliberate differences\n\ntext\n"
        "- `missing[GET /threads/{t}]`: ours is better\n  continued\n- `b`: because\n\n## Later\n- `c`: no\n"
    )
    assert deliberate_differences(doc) == {"missing[GET /threads/{t}]": "ours is better", "b": "because"}
