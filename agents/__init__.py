"""The bundled default project: a ReAct `agent` graph that works offline."""
