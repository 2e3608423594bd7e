"""node_zoo: each node kind runs once, in order; retries and metadata show in `log`."""

ZOO_INPUT = {"items": ["a", "b", "c"], "messages": [{"role": "user", "content": "hello zoo"}]}
LOG = [
    "closure:built", "lambda", "partial:p1", "callable:c1", "method:4 entries before me", "chain",
    "commands:first", "commands:second", "fanout", "gather:A,B,C", "send_command",
    "flaky:ok after 3 attempts", "metadata:owner=zoo,tier=1",
]

STEPS = [
    {"op": "thread", "as": "zoo"},
    {"id": "zoo", "op": "stream", "thread": "zoo", "assistant": "zoo", "input": ZOO_INPUT, "stream_mode": ["updates"]},
    {"id": "zoo_graph", "op": "graph", "assistant": "zoo"},
    {"op": "thread", "as": "chat"},
    {"id": "chat", "op": "wait", "thread": "chat", "assistant": "chat", "input": [{"role": "user", "content": "hi"}]},
    {"id": "v3", "op": "v3", "as": "v3", "assistant": "zoo", "input": ZOO_INPUT},
]


def expect(obs):
    values = obs["threads"]["zoo"]["state"]["values"]
    assert values["log"] == LOG, values["log"]
    assert values["mapped"] == ["A", "B", "C", "late:zeta"]
    assert values["messages"][-1]["content"] == "chain_model saw 2: system:Be terse. | human:hello zoo"
    updated = [sorted(e["data"]) for e in obs["steps"]["zoo"]["events"] if e["event"] == "updates"]
    assert updated.count(["mapper"]) == 3 and ["late_mapper"] in updated and ["flaky"] in updated
    nodes = {n["id"] for n in obs["steps"]["zoo_graph"]["graph"]["nodes"]}
    assert {"closure", "lambda", "partial", "callable", "method", "chain", "flaky", "with_metadata"} <= nodes
    chat = obs["threads"]["chat"]["state"]["values"]
    assert [m["content"] for m in chat] == [
        "hi", "node_model saw 1: human:hi", "prompt_model saw 3: human:hi | ai:node_model saw 1: human:hi | human:now shout"]
    assert obs["threads"]["zoo"]["run_statuses"] == ["success"] and obs["threads"]["chat"]["run_statuses"] == ["success"]


INPROCESS = [
    {"graph": "zoo", "steps": [{"input": ZOO_INPUT}], "check": lambda values: values["log"] == LOG},
    {"graph": "chat", "steps": [{"input": [{"role": "user", "content": "hi"}]}],
     "check": lambda values: values[-1].content.startswith("prompt_model saw 3")},
]
