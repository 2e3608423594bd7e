"""`http.disable_*` flags read from langgraph.json (api/http_surface.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.graphs import GraphLoadError
from api.http_surface import disabled_parts


def _config(tmp_path: Path, http: object) -> Path:
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {}, "http": http}))
    return path


def test_the_flags_set_to_true(tmp_path: Path) -> None:
    assert disabled_parts(_config(tmp_path, {"disable_runs": True, "disable_store": False, "cors": {}})) == {"disable_runs"}
    assert disabled_parts(_config(tmp_path, {})) == frozenset()


def test_a_flag_that_is_not_a_boolean_is_named(tmp_path: Path) -> None:
    with pytest.raises(GraphLoadError, match="http.disable_meta must be true or false"):
        disabled_parts(_config(tmp_path, {"disable_meta": "yes"}))
