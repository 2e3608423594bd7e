"""The API key mode's decisions (api/api_keys.py): who may call the API, said at start."""

from __future__ import annotations

import stat
from pathlib import Path

from api.api_keys import KEY_FILE, access_policy, is_loopback, key_accepted, presented_key


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.5", "api.example.com"))


def test_a_loopback_api_is_open_and_says_so(tmp_path: Path) -> None:
    policy = access_policy("127.0.0.1", "", "auto", tmp_path)
    assert policy.keys == () and "open to local clients" in policy.message
    assert not (tmp_path / KEY_FILE).exists()


def test_beyond_loopback_a_key_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = access_policy("0.0.0.0", "", "auto", tmp_path)
    key_file = tmp_path / KEY_FILE
    assert len(first.keys) == 1 and len(first.keys[0]) >= 32 and str(key_file.resolve()) in first.message
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert access_policy("0.0.0.0", "", "auto", tmp_path).keys == first.keys  # a restart keeps it


def test_configured_keys_and_the_explicit_open_mode(tmp_path: Path) -> None:
    assert access_policy("0.0.0.0", "a, b", "auto", tmp_path).keys == ("a", "b")
    assert access_policy("127.0.0.1", "a", "auto", tmp_path).keys == ("a",)
    opened = access_policy("0.0.0.0", "", "off", tmp_path)
    assert opened.keys == () and "OPEN" in opened.message and not (tmp_path / KEY_FILE).exists()


def test_the_key_is_read_from_x_api_key_or_a_bearer_token() -> None:
    assert presented_key([(b"x-api-key", b" k1 ")]) == "k1"
    assert presented_key([(b"authorization", b"Bearer k2")]) == "k2"
    assert presented_key([(b"authorization", b"Bearer k2"), (b"x-api-key", b"k1")]) == "k1"
    assert presented_key([(b"authorization", b"Basic abc")]) is None
    assert key_accepted("k2", ("k1", "k2")) and not key_accepted("k3", ("k1", "k2")) and not key_accepted(None, ("k1",))
