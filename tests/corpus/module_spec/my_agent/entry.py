"""Loaded by file path (`./my_agent/entry.py:graph`), so no relative imports here: the server
executes the file as a module outside its package, and relative imports fail there."""

from my_agent.graph import build

graph = build()
