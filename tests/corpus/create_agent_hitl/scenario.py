"""create_agent + HITL: approve, edit and reject on three threads; context on every run."""

ADA = {"user_name": "ada", "tier": "gold"}
BO = {"user_name": "bo", "tier": "silver"}
ASK = {"messages": [{"role": "user", "content": "Who am I? Also book a flight to Paris."}]}
OSLO = {"messages": [{"role": "user", "content": "Please book a flight to Oslo."}]}
EDIT = {"type": "edit", "edited_action": {"name": "book_flight", "args": {"destination": "Rome"}}}

STEPS = [
    {"op": "thread", "as": "approve"},
    {"id": "ask", "op": "stream", "thread": "approve", "assistant": "agent", "input": ASK, "context": ADA,
     "stream_mode": ["values", "updates"]},
    {"id": "paused", "op": "state", "thread": "approve"},
    {"id": "approved", "op": "wait", "thread": "approve", "assistant": "agent", "context": ADA,
     "command": {"resume": {"decisions": [{"type": "approve"}]}}},
    {"op": "thread", "as": "edit"},
    {"id": "ask_edit", "op": "wait", "thread": "edit", "assistant": "agent", "input": OSLO, "context": BO},
    {"id": "edited", "op": "stream", "thread": "edit", "assistant": "agent", "context": BO,
     "command": {"resume": {"decisions": [EDIT]}}, "stream_mode": ["messages-tuple", "updates"]},
    {"op": "thread", "as": "reject"},
    {"id": "ask_reject", "op": "wait", "thread": "reject", "assistant": "agent", "input": OSLO},
    {"id": "rejected", "op": "wait", "thread": "reject", "assistant": "agent",
     "command": {"resume": {"decisions": [{"type": "reject", "message": "no budget"}]}}},
    {"id": "schemas", "op": "schemas", "assistant": "agent"},
    # Through the thread protocol: the run stops at its interrupt; input sent to the interrupted
    # thread resumes it.
    {"id": "v3_ask", "op": "v3", "as": "v3", "assistant": "agent", "input": ASK, "context": ADA},
    {"id": "v3_approved", "op": "v3", "thread": "v3", "assistant": "agent", "context": ADA,
     "input": {"decisions": [{"type": "approve"}]}},
]


def _messages(obs, thread):
    return obs["threads"][thread]["state"]["values"]["messages"]


def expect(obs):
    paused = obs["steps"]["paused"]["state"]
    interrupt = paused["tasks"][0]["interrupts"][0]["value"]
    assert interrupt["action_requests"][0]["name"] == "book_flight"
    assert interrupt["action_requests"][0]["args"] == {"destination": "Paris"}
    assert any("__interrupt__" in (e["data"] or {}) for e in obs["steps"]["ask"]["events"] if e["event"] == "updates")

    tools = [m["content"] for m in _messages(obs, "approve") if m["type"] == "tool"]
    assert tools == ["user ada (gold, TravelContext), 2 messages so far", "booked Paris for ada at model turn 1"]
    assert _messages(obs, "approve")[-1]["content"].startswith("Done. whoami: user ada")
    assert obs["threads"]["approve"]["state"]["values"]["model_turns"] == 2

    edited = [m["content"] for m in _messages(obs, "edit") if m["type"] == "tool"]
    assert len(edited) == 1 and "booked Rome for bo at model turn 1" in edited[0]
    texts = [m["text"] for m in _stream_messages(obs["steps"]["edited"]["events"])]
    assert any(t.startswith("Done. book_flight:") for t in texts), texts

    rejected = [m for m in _messages(obs, "reject") if m["type"] == "tool"]
    assert rejected[0]["status"] == "error" and "no budget" in rejected[0]["content"]
    assert _messages(obs, "reject")[-1]["content"].startswith("Done. book_flight: User rejected")
    assert "user_name" in str(obs["steps"]["schemas"]["schemas"]["context_schema"])
    for thread in ("approve", "edit", "reject"):
        assert obs["threads"][thread]["run_statuses"] == ["success", "success"], obs["threads"][thread]


def _stream_messages(events):
    texts = {}
    for event in events:
        if event["event"] == "messages":
            chunk = event["data"][0]
            texts.setdefault(chunk["id"], {"text": ""})["text"] += chunk["content"] if isinstance(chunk["content"], str) else ""
    return list(texts.values())


def _check_inprocess(values):
    tools = [m.content for m in values["messages"] if m.type == "tool"]
    assert tools == ["user ada (gold, TravelContext), 2 messages so far", "booked Paris for ada at model turn 1"]


INPROCESS = [
    {"graph": "agent", "steps": [{"input": ASK, "context": ADA},
                                 {"resume": {"decisions": [{"type": "approve"}]}, "context": ADA}],
     "check": _check_inprocess},
]
