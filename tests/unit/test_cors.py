"""CORS options (api/cors.py): the official defaults, `CORS_ALLOW_ORIGINS`, and `http.cors`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.graphs import GraphLoadError
from api.cors import EXPOSED_HEADERS, cors_options


def _project(tmp_path: Path, **config: object) -> Path:
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {}, **config}))
    return path


def test_every_origin_by_default_without_credentials(tmp_path: Path) -> None:
    options = cors_options("*", _project(tmp_path))
    assert options == {
        "allow_origins": ["*"], "allow_credentials": False, "allow_methods": ["*"], "allow_headers": ["*"],
        "expose_headers": EXPOSED_HEADERS,
    }


def test_a_list_of_origins_allows_credentials(tmp_path: Path) -> None:
    options = cors_options("https://a.example, https://b.example", _project(tmp_path))
    assert options["allow_origins"] == ["https://a.example", "https://b.example"] and options["allow_credentials"] is True


def test_the_projects_http_cors_replaces_the_defaults(tmp_path: Path) -> None:
    cors = {"allow_origins": ["https://ui.example"], "allow_methods": ["GET", "POST"]}
    assert cors_options("*", _project(tmp_path, http={"cors": cors})) == cors


def test_an_unknown_http_cors_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(GraphLoadError, match="http.cors"):
        cors_options("*", _project(tmp_path, http={"cors": {"allow_origin": ["x"]}}))
