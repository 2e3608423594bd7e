"""The greeter graph; `make_described` is the same graph from a zero-argument factory."""

from __future__ import annotations

from langgraph.graph import START, StateGraph

from .nodes import greet  # relative import inside the package
from .state import GreeterState


def build():
    return StateGraph(GreeterState).add_node("greet", greet).add_edge(START, "greet").compile(name="greeter")


graph = build()


def make_described():
    return build()
