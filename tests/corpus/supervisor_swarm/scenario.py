"""langgraph-supervisor (two workers, handoffs and back) and langgraph-swarm (Alice/Bob, two turns)."""

QUESTION = {"messages": [{"role": "user", "content": "How many arms do 3 octopuses have?"}]}
TO_BOB = {"messages": [{"role": "user", "content": "I'd like to speak to Bob"}]}
SUM = {"messages": [{"role": "user", "content": "what's 5 + 7?"}]}

STEPS = [
    {"op": "thread", "as": "team"},
    {"id": "team", "op": "stream", "thread": "team", "assistant": "supervisor", "input": QUESTION,
     "stream_mode": ["updates"], "stream_subgraphs": True},
    {"op": "thread", "as": "swarm"},
    {"id": "to_bob", "op": "wait", "thread": "swarm", "assistant": "swarm", "input": TO_BOB},
    {"id": "sum", "op": "stream", "thread": "swarm", "assistant": "swarm", "input": SUM,
     "stream_mode": ["values", "updates"]},
    # The supervisor through the thread protocol: its workers as subgraph namespaces.
    {"id": "v3", "op": "v3", "as": "v3", "assistant": "supervisor", "input": QUESTION},
]


def expect(obs):
    team = obs["threads"]["team"]["state"]["values"]["messages"]
    assert team[-1]["content"] == "Summary: Research says: octopus has 8 arms / 8 arms times 3 octopuses is 24"
    handoffs = [c["name"] for m in team if m["type"] == "ai" for c in m.get("tool_calls") or []]
    assert handoffs == ["transfer_to_research_expert", "transfer_back_to_supervisor",
                        "transfer_to_math_expert", "transfer_back_to_supervisor"]
    names = {e["event"].split(":")[0] for e in obs["steps"]["team"]["events"]}
    assert {"updates|research_expert", "updates|math_expert"} <= names, names

    swarm = obs["threads"]["swarm"]["state"]["values"]
    assert swarm["active_agent"] == "Alice"
    assert [m["content"] for m in swarm["messages"] if m["type"] == "ai" and m["content"]] == [
        "Ahoy, Bob the pirate at yer service!", "Alice here: the sum is 12."]
    assert [m["content"] for m in obs["steps"]["to_bob"]["output"]["messages"]][-1] == "Ahoy, Bob the pirate at yer service!"
    assert obs["threads"]["swarm"]["run_statuses"] == ["success", "success"]


INPROCESS = [
    {"graph": "supervisor", "steps": [{"input": QUESTION}],
     "check": lambda values: values["messages"][-1].content.endswith("8 arms times 3 octopuses is 24")},
    {"graph": "swarm", "steps": [{"input": TO_BOB}, {"input": SUM}],
     "check": lambda values: values["active_agent"] == "Alice" and values["messages"][-1].content == "Alice here: the sum is 12."},
]
