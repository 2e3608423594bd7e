"""module_spec: `module:attr` and `{"path", "description"}` graph specs, `dependencies: ["."]`, env file."""

STEPS = [
    {"id": "agent", "op": "wait", "assistant": "agent", "input": {"name": "Ada"}, "lane": "agent"},
    {"id": "described", "op": "wait", "assistant": "described", "input": {"name": "Bo"}, "lane": "described"},
    {"id": "by_file", "op": "wait", "assistant": "by_file", "input": {"name": "Cy"}, "lane": "by_file"},
    {"id": "assistants:agent", "op": "assistants", "graph_id": "agent", "lane": "a1"},
    {"id": "assistants:described", "op": "assistants", "graph_id": "described", "lane": "a2"},
]

SIGNATURE = "the module_spec corpus project"


def expect(obs):
    assert obs["steps"]["agent"]["output"] == {"name": "Ada", "reply": f"Howdy, Ada! -- {SIGNATURE}",
                                               "module": "my_agent.nodes"}
    assert obs["steps"]["described"]["output"]["reply"] == f"Howdy, Bo! -- {SIGNATURE}"
    assert obs["steps"]["by_file"]["output"]["reply"] == f"Howdy, Cy! -- {SIGNATURE}"
    described = obs["steps"]["assistants:described"]["assistants"]
    assert [a["description"] for a in described] == ["The greeter, built by a factory and described in langgraph.json."]
    assert [a["name"] for a in obs["steps"]["assistants:agent"]["assistants"]] == ["greeter"]


INPROCESS = [
    {"graph": "agent", "steps": [{"input": {"name": "Ada"}}], "env": {"GREETING": "Howdy", "GREETER_SIGNATURE": SIGNATURE},
     "check": lambda values: values["reply"] == f"Howdy, Ada! -- {SIGNATURE}"},
]
