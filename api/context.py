"""What the API process holds for its lifetime: settings, database, Temporal client, graphs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from activities.graphs import GraphSpec
from activities.settings import Settings
from activities.storage import Database


@dataclass
class AppContext:
    settings: Settings
    db: Database
    client: Client
    graphs: dict[str, GraphSpec]
    # Graphs compiled against the real checkpointer, for reading state at rest.
    _readers: dict[str, Any] = field(default_factory=dict)

    def state_reader(self, graph_id: str) -> Any:
        """The graph compiled with the store's checkpointer (never run here; only read)."""
        reader = self._readers.get(graph_id)
        if reader is None:
            reader = self.graphs[graph_id].builder.compile(checkpointer=self.db.checkpointer)
            self._readers[graph_id] = reader
        return reader
