"""`http.configurable_headers` (api/configurable_headers.py): which request headers a run's
configurable gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activities.graphs import GraphLoadError
from api.configurable_headers import HeaderPolicy, project_header_policy

HEADERS = (
    (b"x-user-id", b"u1"), (b"x-user-role", b"admin"), (b"x-api-key", b"secret"), (b"authorization", b"Bearer t"),
    (b"user-agent", b"sdk"), (b"x-request-id", b"r1"),
)


def _policy(tmp_path: Path, section: object) -> HeaderPolicy:
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {}, "http": {"configurable_headers": section}}))
    return project_header_policy(path)


def test_no_header_is_copied_without_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "langgraph.json"
    path.write_text(json.dumps({"graphs": {}}))
    assert project_header_policy(path).copied(HEADERS) == {}


def test_includes_and_excludes_with_wildcards_and_never_credentials(tmp_path: Path) -> None:
    policy = _policy(tmp_path, {"includes": ["x-user-*", "x-api-key", "authorization", "User-Agent"], "excludes": ["x-user-role"]})
    assert policy.copied(HEADERS) == {"x-user-id": "u1", "user-agent": "sdk"}


def test_a_malformed_section_is_named(tmp_path: Path) -> None:
    with pytest.raises(GraphLoadError, match="configurable_headers.includes"):
        _policy(tmp_path, {"includes": "x-*"})
