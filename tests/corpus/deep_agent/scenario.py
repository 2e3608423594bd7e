"""deepagents: the supervisor writes a file and delegates to the researcher sub-agent (task tool)."""

ASK = {"messages": [{"role": "user", "content": "Please research octopus cognition."}]}

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "run", "op": "stream", "thread": "t", "assistant": "deep", "input": ASK,
     "stream_mode": ["updates", "values"], "stream_subgraphs": True},
    {"id": "state", "op": "state", "thread": "t"},
    {"op": "thread", "as": "tokens"},
    {"id": "tokens", "op": "stream", "thread": "tokens", "assistant": "deep", "input": ASK,
     "stream_mode": ["messages-tuple"], "stream_subgraphs": True},
    # Through the thread protocol: the researcher sub-agent in its `tools:<id>` namespace.
    {"id": "v3", "op": "v3", "as": "v3", "assistant": "deep", "input": ASK},
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
    # messages-tuple with subgraphs: the models' whole messages (they do not stream tokens), the
    # researcher's under the task tool's namespace.
    token_events = obs["steps"]["tokens"]["events"]
    assert any(e["event"].startswith("messages|tools:") for e in token_events)
    root_ai = [e["data"][0] for e in token_events if e["event"] == "messages" and e["data"][0]["type"].startswith("ai")]
    assert root_ai and root_ai[-1]["content"].startswith("Research complete.")


INPROCESS = [
    {"graph": "deep", "steps": [{"input": ASK}],
     "check": lambda values: values["files"]["/notes.md"]["content"] == "# octopus cognition\n"
     and values["messages"][-1].content.startswith("Research complete.")},
]
