"""Graph factories: one run, a state read, a state update and the schema/graph reads per graph."""

GREETING = {"configurable": {"greeting": "hej"}}
CONTEXT = {"greeting": "hej"}
GRAPHS = {"sync_config": GREETING, "async_config": GREETING, "acm_runtime": CONTEXT, "both": CONTEXT, "zero": None}

STEPS = []
for _graph, _given in GRAPHS.items():
    _run = {"id": f"{_graph}:run", "op": "wait", "thread": _graph, "assistant": _graph, "input": {"text": "hi"}}
    if _given is GREETING:
        _run["config"] = GREETING
    elif _given is CONTEXT:
        _run["context"] = CONTEXT
    STEPS += [
        {"op": "thread", "as": _graph},
        _run,
        {"id": f"{_graph}:state", "op": "state", "thread": _graph},
        {"id": f"{_graph}:update", "op": "update_state", "thread": _graph, "values": {"text": "edited"}, "as_node": "echo"},
        {"id": f"{_graph}:schemas", "op": "schemas", "assistant": _graph, "lane": _graph + ":read"},
        {"id": f"{_graph}:graph", "op": "graph", "assistant": _graph, "lane": _graph + ":read"},
    ]


def expect(obs):
    out = {g: obs["steps"][f"{g}:run"]["output"] for g in GRAPHS}
    assert out["sync_config"] == {"text": "hi via sync_config", "seen": {"greeting": "hej", "has_thread": True}}
    assert out["async_config"] == {"text": "hi via async_config", "seen": {"greeting": "hej"}}
    run_seen = {"access_context": "threads.create_run", "is_execution": True, "context": CONTEXT, "user": None,
                "has_store": True}
    assert out["acm_runtime"] == {"text": "hi via acm_runtime", "seen": run_seen}
    # context given on the run is mirrored into configurable, so the config argument sees it too
    assert out["both"] == {"text": "hi via both", "seen": {**run_seen, "greeting": "hej"}}
    assert out["zero"] == {"text": "hi via zero", "seen": {"args": 0}}
    for graph in GRAPHS:
        assert obs["threads"][graph]["state"]["values"]["text"] == "edited"
        assert "echo" in {n["id"] for n in obs["steps"][f"{graph}:graph"]["graph"]["nodes"]}

    calls = obs["factory_calls"]
    assert calls, "no factory call logged"
    assert all(c["ts"] >= obs["started_at"] for c in calls), "a factory was called before the first request"
    contexts = {c["access_context"] for c in calls if c["graph"] == "acm_runtime" and c["event"] == "enter"}
    assert contexts == {"threads.create_run", "threads.read", "threads.update", "assistants.read"}, contexts
    enters = sum(1 for c in calls if c["graph"] == "acm_runtime" and c["event"] == "enter")
    exits = sum(1 for c in calls if c["graph"] == "acm_runtime" and c["event"] == "exit")
    assert enters == exits, (enters, exits)
    for graph in ("sync_config", "async_config", "zero"):
        assert sum(1 for c in calls if c["graph"] == graph) >= 4, graph  # run, read, update, schema/graph reads


INPROCESS = [
    {"graph": graph, "steps": [{"input": {"text": "hi"}, **({"config": given} if given is GREETING else {}),
                                **({"context": given} if given is CONTEXT else {})}],
     "check": (lambda graph: lambda values: values["text"] == f"hi via {graph}")(graph)}
    for graph, given in GRAPHS.items()
]
