"""create_react_agent: a parallel two-tool turn (wait), then a second turn streamed as tokens."""

FIRST = {"messages": [{"role": "user", "content": "What's the weather in SF and the time in Tokyo?"}]}
SECOND = {"messages": [{"role": "user", "content": "And the weather in Paris?"}]}

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "first", "op": "wait", "thread": "t", "assistant": "agent", "input": FIRST},
    {"id": "second", "op": "stream", "thread": "t", "assistant": "agent", "input": SECOND,
     "stream_mode": ["messages-tuple", "values"]},
    {"id": "history", "op": "history", "thread": "t", "limit": 3},
    {"id": "graph", "op": "graph", "assistant": "agent"},
    # The same turn through the thread protocol (client.threads.stream, useStream).
    {"id": "v3", "op": "v3", "as": "v3", "assistant": "agent", "input": FIRST},
]


def expect(obs):
    messages = obs["threads"]["t"]["state"]["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "tool", "ai", "human", "ai", "tool", "ai"]
    assert [c["name"] for c in messages[1]["tool_calls"]] == ["get_weather", "get_time"]
    assert messages[4]["content"] == "Here you go: sf: foggy, 14C; tokyo: 12:05"
    assert messages[-1]["content"] == "Here you go: paris: sunny, 22C"
    streamed = [e for e in obs["steps"]["second"]["events"] if e["event"] == "messages"]
    assert len(streamed) > 3 and {e["data"][1]["langgraph_node"] for e in streamed} == {"agent", "tools"}
    assert obs["threads"]["t"]["run_statuses"] == ["success", "success"]
    assert {"agent", "tools"} <= {n["id"] for n in obs["steps"]["graph"]["graph"]["nodes"]}


INPROCESS = [
    {"graph": "agent", "steps": [{"input": FIRST}],
     "check": lambda values: values["messages"][-1].content == "Here you go: sf: foggy, 14C; tokyo: 12:05"},
]
