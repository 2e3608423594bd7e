"""langchain-ai/deep-agent-template (`langgraph new` "Deep Agent"), unchanged: a module spec
(`deep_agent.graph:get_agent`) naming an async context manager factory that takes a config and a
`ServerRuntime`, DEEP_AGENT_MODEL=openai:fake-model. Load and read paths only: a run would create a
LangSmith sandbox, which needs the network."""

PYTHONPATH = ["src"]  # what `pip install -e .` of the template gives

STEPS = [
    {"id": "assistants", "op": "assistants", "graph_id": "agent"},
    {"id": "graph", "op": "graph", "assistant": "agent"},
    {"id": "schemas", "op": "schemas", "assistant": "agent"},
    {"op": "thread", "as": "t", "metadata": {"graph_id": "agent"}},
    {"id": "state", "op": "state", "thread": "t"},
]


def expect(obs):
    [assistant] = obs["steps"]["assistants"]["assistants"]
    assert assistant["name"] == "agent"  # a factory's assistant is named after the graph id
    nodes = {n["id"] for n in obs["steps"]["graph"]["graph"]["nodes"]}
    assert {"model", "tools"} <= nodes, nodes
    assert "messages" in obs["steps"]["schemas"]["schemas"]["input_schema"]["properties"]
    assert obs["steps"]["state"]["state"]["values"] in ({}, None, [])
