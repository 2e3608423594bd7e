"""A package served by module path (`my_agent.graph:graph`), importable because of `dependencies: ["."]`."""
