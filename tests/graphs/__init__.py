"""Deterministic graphs for the tests (no network, no keys)."""
