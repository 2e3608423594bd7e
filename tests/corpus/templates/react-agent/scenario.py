"""langchain-ai/react-agent, unchanged, MODEL=openai/fake-model: the answer turn (its only tool,
Tavily search, needs the internet). Runs once with `context={}` and once with no context at all."""

PYTHONPATH = ["src"]  # what `pip install -e .` of the template gives

HELLO = {"messages": [{"role": "user", "content": "Hello there, agent"}]}

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "empty_context", "op": "wait", "thread": "t", "assistant": "agent", "input": HELLO, "context": {}},
    {"id": "no_context", "op": "stream", "thread": "t", "assistant": "agent",
     "input": {"messages": [{"role": "user", "content": "Second question"}]}, "stream_mode": ["messages-tuple", "values"]},
    # Through the thread protocol: the template's ChatOpenAI streams its answer as content blocks.
    {"id": "v3", "op": "v3", "as": "v3", "assistant": "agent", "input": HELLO},
]


def expect(obs):
    messages = obs["threads"]["t"]["state"]["values"]["messages"]
    assert [(m["type"], m["content"]) for m in messages] == [
        ("human", "Hello there, agent"), ("ai", "You said: Hello there, agent"),
        ("human", "Second question"), ("ai", "You said: Second question")]
    streamed = "".join(e["data"][0]["content"] for e in obs["steps"]["no_context"]["events"] if e["event"] == "messages")
    assert streamed == "You said: Second question"
    chats = [r["body"] for r in obs["openai_requests"] if r["path"].endswith("/chat/completions")]
    assert len(chats) == 3 and all(b["model"] == "fake-model" for b in chats)  # the two turns, and v3's
    assert chats[0]["messages"][0]["content"].startswith("You are a helpful AI assistant.")
    assert [t["function"]["name"] for t in chats[0]["tools"]] == ["search"]
    assert obs["threads"]["t"]["run_statuses"] == ["success", "success"]
    v3 = [e for e in obs["steps"]["v3"]["v3_events"] if e["method"] == "messages" and not e["namespace"]]
    deltas = "".join(e["data"]["delta"]["text"] for e in v3 if e["data"]["event"] == "content-block-delta")
    assert deltas == "You said: Hello there, agent", deltas


INPROCESS = [
    {"graph": "agent", "steps": [{"input": HELLO, "context": {}}], "env": {"MODEL": "openai/fake-model"},
     "check": lambda values: values["messages"][-1].content == "You said: Hello there, agent"},
]
