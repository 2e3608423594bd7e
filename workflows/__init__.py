"""Temporal workflows: the per-thread admission workflow and the per-run workflow."""
