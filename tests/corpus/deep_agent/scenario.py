"""deepagents: the supervisor writes a file and delegates to the researcher sub-agent (task tool)."""

ASK = {"messages": [{"role": "user", "content": "Please research octopus cognition."}]}

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "run", "op": "stream", "thread": "t", "assistant": "deep", "input": ASK,
     "stream_mode": ["updates", "values"], "stream_subgraphs": True},
    {"id": "state", "op": "state", "thread": "t"},
]


def expect(obs):
    values = obs["threads"]["t"]["state"]["values"]
    messages = values["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "tool", "ai"]
    assert [c["name"] for c in messages[1]["tool_calls"]] == ["write_file", "task"]
    assert messages[3]["content"] == "Notes on 'research octopus cognition': it is well documented."
    assert messages[-1]["content"].startswith("Research complete. The researcher said: Notes on")
    assert values["files"]["/notes.md"]["content"] == "# octopus cognition\n"
    names = [e["event"] for e in obs["steps"]["run"]["events"]]
    assert any(n.startswith("updates|tools:") for n in names), names  # the researcher's own events
    assert obs["threads"]["t"]["run_statuses"] == ["success"]


INPROCESS = [
    {"graph": "deep", "steps": [{"input": ASK}],
     "check": lambda values: values["files"]["/notes.md"]["content"] == "# octopus cognition\n"
     and values["messages"][-1].content.startswith("Research complete.")},
]
