"""Pages of searches: the services fetch one row more than the page to know whether another page
follows, and the routes send the official `X-Pagination-Total` / `X-Pagination-Next` headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Response

T = TypeVar("T")
TOTAL_HEADER = "X-Pagination-Total"
NEXT_PAGE_HEADER = "X-Pagination-Next"


@dataclass(frozen=True)
class Page:
    offset: int
    returned: int
    next_offset: int | None  # None on the last page


def page_of(rows: Sequence[T], offset: int, limit: int) -> tuple[list[T], Page]:
    """`rows` fetched with `limit + 1`: the page itself, and where the next one starts if there is one."""
    more = len(rows) > limit
    page = list(rows[:limit])
    return page, Page(offset, len(page), offset + limit if more else None)


def set_page_headers(response: Response, page: Page) -> None:
    """As the official server: the total is what has been seen so far, plus one when a page follows."""
    if page.next_offset is None:
        response.headers[TOTAL_HEADER] = str(page.offset + page.returned)
    else:
        response.headers[TOTAL_HEADER] = str(page.next_offset + 1)
        response.headers[NEXT_PAGE_HEADER] = str(page.next_offset)
