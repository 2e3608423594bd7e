"""Cross-origin requests, as the official server allows them: a chat UI served from another origin
(agent-chat-ui, a page on `useStream`) calls the API from the browser.

By default every origin is allowed (`CORS_ALLOW_ORIGINS`, comma-separated, default `*`; credentials
only with an explicit list), every method and header, and the pagination headers are exposed to
scripts. `http.cors` in `langgraph.json` replaces all of it with Starlette's CORSMiddleware options
(`allow_origins`, `allow_methods`, `allow_headers`, `allow_credentials`, `expose_headers`, `max_age`,
...), as the official `http.cors`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from activities.graphs import GraphLoadError, read_config

EXPOSED_HEADERS = ["x-pagination-total", "x-pagination-next", "content-location"]
_OPTIONS = {
    "allow_origins", "allow_methods", "allow_headers", "allow_credentials", "allow_origin_regex",
    "expose_headers", "max_age",
}


def cors_options(allow_origins: str, langgraph_config: Path | None) -> dict[str, Any]:
    """The CORSMiddleware options: the project's `http.cors`, else the defaults above."""
    project: Any = None
    if langgraph_config is not None:
        try:
            project = (read_config(langgraph_config).get("http") or {}).get("cors")
        except GraphLoadError:
            project = None  # the graphs' loader reports a broken langgraph.json
    if project is not None:
        if not isinstance(project, dict) or set(project) - _OPTIONS:
            raise GraphLoadError(
                f"langgraph.json http.cors must be an object with keys among {sorted(_OPTIONS)}, got {project!r}"
            )
        return project
    origins = [o.strip() for o in allow_origins.split(",") if o.strip()] or ["*"]
    return {
        "allow_origins": origins,
        "allow_credentials": "*" not in origins,
        "allow_methods": ["*"],
        "allow_headers": ["*"],
        "expose_headers": EXPOSED_HEADERS,
    }
