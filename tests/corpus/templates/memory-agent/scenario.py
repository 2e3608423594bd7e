"""langchain-ai/memory-agent, unchanged but for its embeddings (see fake_embeddings.py),
MODEL=openai/fake-model: the model saves a memory with `upsert_memory` (in the server's store,
with the store's vector index), and a later conversation finds it in its system prompt."""

PYTHONPATH = ["src"]  # what `pip install -e .` of the template gives

USER = {"user_id": "u1"}
REMEMBER = {"messages": [{"role": "user", "content": "Please upsert_memory: I love hiking in the Alps"}]}
RECALL = {"messages": [{"role": "user", "content": "What do you know about my hobbies?"}]}

STEPS = [
    {"op": "thread", "as": "first"},
    {"id": "remember", "op": "wait", "thread": "first", "assistant": "agent", "input": REMEMBER, "context": USER},
    {"id": "memories", "op": "store_search", "namespace": ["memories", "u1"], "lane": "first"},
    {"op": "thread", "as": "second", "lane": "first"},
    {"id": "recall", "op": "wait", "thread": "second", "assistant": "agent", "input": RECALL, "context": USER,
     "lane": "first"},
]


def expect(obs):
    messages = obs["threads"]["first"]["state"]["values"]["messages"]
    assert [m["type"] for m in messages] == ["human", "ai", "tool", "ai"]
    assert messages[1]["tool_calls"][0]["name"] == "upsert_memory"
    assert messages[2]["content"].startswith("Stored memory ")
    items = obs["steps"]["memories"]["items"]
    assert [i["value"] for i in items] == [{"content": "I love hiking in the Alps", "context": "I love hiking in the Alps"}]
    chats = [r["body"] for r in obs["openai_requests"] if r["path"].endswith("/chat/completions")]
    assert "I love hiking in the Alps" in chats[-1]["messages"][0]["content"]  # the memory, found by search
    assert any(r["path"].endswith("/embeddings") for r in obs["openai_requests"])
    assert obs["threads"]["second"]["state"]["values"]["messages"][-1]["content"] == "You said: What do you know about my hobbies?"


INPROCESS = [
    {"graph": "agent", "steps": [{"input": REMEMBER, "context": USER}], "env": {"MODEL": "openai/fake-model"},
     "check": lambda values: values["messages"][2].content.startswith("Stored memory ")
     and values["messages"][-1].content.startswith("Done. upsert_memory returned: Stored memory")},
]
