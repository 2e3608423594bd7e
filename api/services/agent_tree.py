"""`agent.getTree` (Agent Protocol v2): a run's graph and the subgraphs it has entered, with each
one's status, made from the run's `lifecycle` events as a socket session reads them."""

from __future__ import annotations

from typing import Any


def run_of(event: dict[str, Any]) -> str:
    """The run an event of the thread's tape belongs to (its `event_id` names it)."""
    event_id = str(event.get("event_id", ""))
    return event_id.split(":", 2)[1] if event_id.startswith("synth:") else event_id.split(":", 1)[0]


class AgentTrees:
    """The tree of every run seen so far on a thread's tape, and which run came last."""

    def __init__(self) -> None:
        self._nodes: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
        self.latest: str | None = None

    def see(self, event: dict[str, Any]) -> None:
        if event.get("method") != "lifecycle":
            return
        params = event["params"]
        data = params.get("data") or {}
        run_id = run_of(event)
        nodes = self._nodes.setdefault(run_id, {})
        namespace = tuple(params.get("namespace") or ())
        if not namespace:
            self.latest = run_id
        node = nodes.setdefault(namespace, {"namespace": list(namespace), "graph_name": data.get("graph_name"), "children": []})
        node["status"] = data.get("event")
        if data.get("graph_name"):
            node["graph_name"] = data["graph_name"]

    def tree(self, run_id: str | None = None) -> dict[str, Any] | None:
        """The run's tree (the latest run's without `run_id`), or None for a run not seen."""
        nodes = self._nodes.get(run_id or self.latest or "")
        if not nodes or () not in nodes:
            return None
        built = {ns: {**node, "children": []} for ns, node in nodes.items()}
        for namespace in sorted(built, key=len):
            if not namespace:
                continue
            parent = next((namespace[:i] for i in range(len(namespace) - 1, -1, -1) if namespace[:i] in built), ())
            built[parent]["children"].append(built[namespace])
        return built[()]
