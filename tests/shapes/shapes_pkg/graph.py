"""A graph named in langgraph.json as a module (`shapes_pkg.graph:graph`), as `langgraph new` does."""

import os

from langgraph.graph import START, StateGraph
from typing_extensions import TypedDict


class State(TypedDict, total=False):
    text: str


async def greet(state: State) -> State:
    return {"text": f"{os.environ['SHAPES_GREETING']} {state.get('text', '')}".strip()}


builder = StateGraph(State)
builder.add_node("greet", greet)
builder.add_edge(START, "greet")
graph = builder.compile()
