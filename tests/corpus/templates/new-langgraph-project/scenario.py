"""langchain-ai/new-langgraph-project, unchanged: one async node echoing a TypedDict context param."""

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "with_context", "op": "wait", "thread": "t", "assistant": "agent", "input": {"changeme": "x"},
     "context": {"my_configurable_param": "hello"}},
    {"id": "without_context", "op": "stream", "thread": "t", "assistant": "agent", "input": {"changeme": "y"},
     "stream_mode": ["values", "updates"]},
    {"id": "schemas", "op": "schemas", "assistant": "agent"},
]


def expect(obs):
    assert obs["steps"]["with_context"]["output"] == {"changeme": "output from call_model. Configured with hello"}
    values = [e["data"] for e in obs["steps"]["without_context"]["events"] if e["event"] == "values"]
    assert values[-1] == {"changeme": "output from call_model. Configured with None"}
    assert "my_configurable_param" in str(obs["steps"]["schemas"]["schemas"]["context_schema"])
    assert obs["threads"]["t"]["run_statuses"] == ["success", "success"]


INPROCESS = [
    {"graph": "agent", "steps": [{"input": {"changeme": "x"}, "context": {"my_configurable_param": "hello"}}],
     "check": lambda values: values["changeme"] == "output from call_model. Configured with hello"},
]
