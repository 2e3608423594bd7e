"""langchain-ai/simple-agent-template (`langgraph new` "Agent"), unchanged,
SIMPLE_AGENT_MODEL=openai:fake-model: the calculator tool loop, streamed token by token."""

PYTHONPATH = ["src"]  # what `pip install -e .` of the template gives

ASK = {"messages": [{"role": "user", "content": "Use the calculator: 2 + 3"}]}

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "ask", "op": "stream", "thread": "t", "assistant": "agent", "input": ASK,
     "stream_mode": ["messages-tuple", "updates"]},
    {"id": "again", "op": "wait", "thread": "t", "assistant": "agent",
     "input": {"messages": [{"role": "user", "content": "thanks"}]}},
]


def expect(obs):
    messages = obs["threads"]["t"]["state"]["values"]["messages"]
    assert [(m["type"], m["content"]) for m in messages][2:] == [
        ("tool", "5"), ("ai", "Done. calculator returned: 5"), ("human", "thanks"), ("ai", "You said: thanks")]
    assert messages[1]["tool_calls"][0]["name"] == "calculator" and messages[1]["tool_calls"][0]["args"] == {"expression": "2 + 3"}
    streamed = [e["data"][0] for e in obs["steps"]["ask"]["events"] if e["event"] == "messages"]
    assert "".join(c["content"] for c in streamed if c["type"] == "AIMessageChunk").endswith("Done. calculator returned: 5")
    assert obs["threads"]["t"]["run_statuses"] == ["success", "success"]


INPROCESS = [
    {"graph": "agent", "steps": [{"input": ASK}], "env": {"SIMPLE_AGENT_MODEL": "openai:fake-model"},
     "check": lambda values: values["messages"][-1].content == "Done. calculator returned: 5"},
]
