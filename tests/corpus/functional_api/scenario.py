"""Functional API: parallel tasks, interrupt() in a task and resume, `previous` across two runs."""

STEPS = [
    {"op": "thread", "as": "t"},
    {"id": "cats", "op": "stream", "thread": "t", "assistant": "workflow", "input": {"topic": "cats"},
     "stream_mode": ["updates", "values"]},
    {"id": "paused", "op": "state", "thread": "t"},
    {"id": "cats_reviewed", "op": "wait", "thread": "t", "assistant": "workflow", "command": {"resume": "looks good"}},
    {"id": "dogs", "op": "wait", "thread": "t", "assistant": "workflow", "input": {"topic": "dogs"}},
    {"id": "dogs_reviewed", "op": "stream", "thread": "t", "assistant": "workflow", "command": {"resume": "ok"},
     "stream_mode": ["updates"]},
    {"id": "stateless", "op": "wait", "assistant": "workflow", "input": {"topic": "owls"}, "lane": "stateless"},
    # Through the thread protocol: the interrupt in a task, then input sent to the thread resumes it.
    {"id": "v3_birds", "op": "v3", "as": "v3", "assistant": "workflow", "input": {"topic": "birds"}},
    {"id": "v3_reviewed", "op": "v3", "thread": "v3", "assistant": "workflow", "input": "fine"},
]

CATS = "outline of cats + 4 facts about cats [reviewed: looks good]"


def expect(obs):
    paused = obs["steps"]["paused"]["state"]
    assert paused["tasks"] and paused["tasks"][0]["interrupts"][0]["value"] == {
        "question": "Approve this draft?", "draft": "outline of cats + 4 facts about cats"}
    updated = [sorted(e["data"]) for e in obs["steps"]["cats"]["events"] if e["event"] == "updates"]
    assert ["outline"] in updated and ["facts"] in updated and ["__interrupt__"] in updated, updated
    assert obs["steps"]["cats_reviewed"]["output"] == {"result": CATS, "runs": 1, "previous_result": None}
    assert obs["steps"]["dogs"]["output"]["__interrupt__"][0]["value"]["draft"] == "outline of dogs + 4 facts about dogs"
    final = obs["threads"]["t"]["state"]["values"]
    assert final == {"result": "outline of dogs + 4 facts about dogs [reviewed: ok]", "runs": 2, "previous_result": CATS}
    assert obs["threads"]["t"]["run_statuses"] == ["success"] * 4
    assert obs["steps"]["stateless"]["output"]["__interrupt__"][0]["value"]["draft"] == "outline of owls + 4 facts about owls"


INPROCESS = [
    {"graph": "workflow", "steps": [{"input": {"topic": "cats"}}, {"resume": "looks good"}],
     "check": lambda values: values == {"result": CATS, "runs": 1, "previous_result": None}},
]
