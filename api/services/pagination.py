"""The `X-Pagination-Next` header of searches: the offset of the next page, when there may be one."""

from __future__ import annotations

from fastapi import Response

NEXT_PAGE_HEADER = "X-Pagination-Next"


def next_page_offset(offset: int, limit: int, returned: int) -> int | None:
    """A full page may have a successor; a short one is the last."""
    return offset + limit if returned == limit else None


def set_next_page(response: Response, next_offset: int | None) -> None:
    if next_offset is not None:
        response.headers[NEXT_PAGE_HEADER] = str(next_offset)
