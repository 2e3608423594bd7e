"""Settings defaults and request schema validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from activities.settings import Settings
from api.schemas.runs import RunCreateStateful, RunCreateStateless
from api.schemas.threads import ThreadSearchRequest


def test_settings_default_to_a_sqlite_file_in_the_data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("DATABASE_URI", raising=False)
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'agent-server.db'}"
    assert settings.run_timeout.total_seconds() == 3600


def test_settings_read_official_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URI", "postgresql://u@h/db")
    monkeypatch.setenv("N_JOBS_PER_WORKER", "7")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal:7233")
    settings = Settings()
    assert (settings.database_url, settings.n_jobs_per_worker, settings.temporal_address) == (
        "postgresql://u@h/db",
        7,
        "temporal:7233",
    )


def test_run_create_defaults_match_the_official_api() -> None:
    payload = RunCreateStateful(assistant_id="agent")
    assert payload.multitask_strategy == "enqueue"
    assert payload.stream_modes == ["values"]
    assert payload.if_not_exists == "reject"
    assert RunCreateStateless(assistant_id="agent").on_completion == "delete"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"assistant_id": ""},
        {"assistant_id": "agent", "multitask_strategy": "sometimes"},
        {"assistant_id": "agent", "input": {"a": 1}, "command": {"resume": 1}},
        {"assistant_id": "agent", "after_seconds": -1},
    ],
)
def test_invalid_run_bodies_are_rejected(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RunCreateStateful.model_validate(body)


def test_thread_search_bounds() -> None:
    with pytest.raises(ValidationError):
        ThreadSearchRequest(limit=0)
    assert ThreadSearchRequest().sort_by == "created_at"
