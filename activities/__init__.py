"""Activities: everything that does I/O on behalf of a run (graph nodes, persistence)."""
