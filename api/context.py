"""What the API process holds for its lifetime: settings, database, Temporal client, graphs."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from activities.factories import READ_STATE
from activities.graphs import GraphSpec, graph_shape
from activities.settings import Settings
from activities.storage import Database
from activities.storage.checkpoints import ThreadNamingSaver
from activities.webhooks import WebhookPolicy
from api.auth.authorize import current_caller
from api.auth.project import ProjectAuth
from api.configurable_headers import HeaderPolicy, request_headers


@dataclass
class AppContext:
    settings: Settings
    db: Database
    client: Client
    graphs: dict[str, GraphSpec]
    # `langgraph.json`'s webhook URL policy, applied when a run or cron names a webhook.
    webhooks: WebhookPolicy = field(default_factory=WebhookPolicy)
    # `http.configurable_headers`: the request headers a run's configurable gets.
    headers: HeaderPolicy = field(default_factory=HeaderPolicy)
    # The project's custom auth (`auth.path`); None: no handler is asked (api/auth/authorize.py).
    auth: ProjectAuth | None = None
    # Graphs compiled against the real checkpointer, for reading state at rest.
    _readers: dict[str, Any] = field(default_factory=dict)

    @contextlib.asynccontextmanager
    async def graph(
        self, graph_id: str, access_context: str = READ_STATE, config: dict[str, Any] | None = None
    ) -> AsyncIterator[Any]:
        """The graph compiled with the store's checkpointer, to read or update state (never run here).

        A factory is called for each use with `access_context` (`threads.read`, `threads.update`,
        `assistants.read`), as the official server does; what it opens is closed afterwards.
        """
        spec = self.graphs[graph_id]
        if spec.factory is None:
            reader = self._readers.get(graph_id)
            if reader is None:
                reader = spec.shape.compile(checkpointer=ThreadNamingSaver(self.db.checkpointer))
                self._readers[graph_id] = reader
            yield reader
            return
        config = dict(config or {"configurable": {}})
        # As on the official server, the factory's config has the request's `http.configurable_headers`
        # and the caller (its `ServerRuntime.user`), as a run's does.
        configurable = {**self.headers.copied(request_headers.get()), **(config.get("configurable") or {})}
        caller = current_caller.get()
        if caller is not None and self.auth is not None:
            configurable.update(caller.run_configurable())
        config["configurable"] = configurable
        async with spec.factory.build(config, access_context) as built:
            shape = graph_shape(graph_id, built, spec.source)
            # As the official server: a factory's unnamed graph is named after its graph id.
            shape = dataclasses.replace(shape, name=shape.name or graph_id)
            yield shape.compile(checkpointer=ThreadNamingSaver(self.db.checkpointer))
