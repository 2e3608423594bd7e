"""The project's graphs, read from `langgraph.json` as the official CLI reads it.

A graph is named by a file spec (`./path/file.py:attr`: a "/" or ".py" before the colon) or a
module spec (`package.module:attr`), as a string or as `{"path": ..., "description": ...}`. The
attribute may be a `StateGraph`, a compiled graph (its `with_config` options, name and static
interrupts are kept), a Functional API `@entrypoint`, or a factory that returns one of those
(activities/factories.py). `dependencies` that are local folders are importable, the project
folder too; `env` is a dict or a file; keys served elsewhere (`store`, `auth`, `http`, `webhooks`,
...) are accepted as they are. A graph that cannot load stops the start with one message naming the
graph, its file and the reason.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import json
import os
import sys
import traceback
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langgraph.graph import StateGraph
from langgraph.pregel import Pregel

from activities.factories import GraphFactory, is_factory
from workflows.types import default_assistant_id


class GraphLoadError(Exception):
    """`langgraph.json` or one of its graphs cannot be loaded; the message says which and why."""


@dataclass(frozen=True)
class GraphShape:
    """What a graph object is, in the terms the server runs it by."""

    # Graph API: the builder whose nodes become activities (for a compiled graph, the one it came from).
    builder: StateGraph[Any, Any, Any, Any] | None = None
    # Functional API: the entrypoint (a Pregel without a StateGraph builder).
    entrypoint: Pregel[Any, Any, Any, Any] | None = None
    # The compiled graph's own options: `with_config(...)` (recursion_limit, metadata, ...), its name
    # and the interrupts it was compiled with ("*": every node).
    config: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    interrupt_before: list[str] | str = field(default_factory=list)
    interrupt_after: list[str] | str = field(default_factory=list)
    # The stream modes the compiled graph's own stream transformers need (`compile(transformers=
    # [...])`; create_agent adds ToolCallTransformer). A thread-protocol stream has a channel for
    # `updates`, `custom` and `tools` only when the graph has the transformer, as LangGraph's
    # `astream_events(version="v3")` and the official server.
    transformer_modes: frozenset[str] = frozenset()

    @property
    def context_schema(self) -> Any:
        source = self.builder if self.builder is not None else self.entrypoint
        return getattr(source, "context_schema", None)

    def filter_context(self, context: dict[str, Any]) -> dict[str, Any]:
        """As the official server: a run's context keeps only the keys its graph's `context_schema`
        declares (`configurable` is mirrored into it, and a dataclass takes no unknown keys)."""
        schema = self.context_schema
        if schema is None or not context:
            return context
        if dataclasses.is_dataclass(schema):
            known = {f.name for f in dataclasses.fields(schema)}
        elif hasattr(schema, "model_fields"):
            known = set(schema.model_fields)
        else:
            try:
                known = set(typing.get_type_hints(schema))
            except Exception:
                return context
        return {k: v for k, v in context.items() if k in known} if known else context

    def compile(self, **options: Any) -> Pregel[Any, Any, Any, Any]:
        """The graph as LangGraph would run it, with `options` (checkpointer, interrupts, ...)."""
        if self.entrypoint is not None:
            return self.entrypoint.copy(update={k: v for k, v in options.items() if k in ("checkpointer", "store")})
        assert self.builder is not None
        options.setdefault("interrupt_before", self.interrupt_before or None)
        options.setdefault("interrupt_after", self.interrupt_after or None)
        compiled = self.builder.compile(**options)
        if self.name:
            compiled.name = self.name
        return compiled.with_config(self.config) if self.config else compiled


def _names(value: Any) -> list[str] | str:
    return value if value == "*" else list(value or [])


def _transformer_modes(graph: Pregel[Any, Any, Any, Any]) -> frozenset[str]:
    """The union of `required_stream_modes` of the graph's compiled stream transformers (classes
    or factories of a scope; a factory is asked by building one for the root scope)."""
    modes: set[str] = set()
    for spec in getattr(graph, "stream_transformers", None) or ():
        required = getattr(spec, "required_stream_modes", None)
        if required is None:
            try:
                required = getattr(spec(()), "required_stream_modes", ())
            except Exception:  # a factory that cannot be built here adds no channel
                required = ()
        modes.update(str(m) for m in required)
    return frozenset(modes)


def graph_shape(graph_id: str, obj: Any, source: str) -> GraphShape:
    """Classify a graph object; a `GraphLoadError` names what it is when it is none of them."""
    if isinstance(obj, StateGraph):
        return GraphShape(builder=obj)
    if isinstance(obj, Pregel):
        builder = getattr(obj, "builder", None)
        compiled_config = {k: v for k, v in (obj.config or {}).items() if k not in ("callbacks",)}
        name = obj.name if obj.name and obj.name != "LangGraph" else None
        modes = _transformer_modes(obj)
        if isinstance(builder, StateGraph):
            return GraphShape(
                builder=builder,
                config=compiled_config,
                name=name,
                interrupt_before=_names(getattr(obj, "interrupt_before_nodes", None)),
                interrupt_after=_names(getattr(obj, "interrupt_after_nodes", None)),
                transformer_modes=modes,
            )
        return GraphShape(entrypoint=obj, config=compiled_config, name=name, transformer_modes=modes)
    raise GraphLoadError(
        f"graph {graph_id!r} ({source}): expected a StateGraph, a compiled graph, a Functional API "
        f"entrypoint or a factory returning one; got {type(obj).__name__}"
    )


@dataclass(frozen=True)
class GraphSpec:
    """One graph of the project: its id, its shape and, for a factory, the factory that builds it."""

    graph_id: str
    shape: GraphShape
    source: str = ""
    description: str | None = None
    # A factory is called again for every run (in the worker) and every read (in the API); `shape`
    # is its build at load time, which gives the graph's topology to the workflow.
    factory: GraphFactory | None = None

    @property
    def builder(self) -> StateGraph[Any, Any, Any, Any] | None:
        return self.shape.builder

    @property
    def node_names(self) -> list[str]:
        if self.shape.builder is not None:
            return list(self.shape.builder.nodes)
        return list(self.shape.entrypoint.nodes) if self.shape.entrypoint is not None else []

    @property
    def interrupt_before(self) -> list[str] | str:
        return self.shape.interrupt_before

    @property
    def interrupt_after(self) -> list[str] | str:
        return self.shape.interrupt_after

    @property
    def assistant_id(self) -> str:
        return default_assistant_id(self.graph_id)

    @property
    def assistant_name(self) -> str:
        """The default assistant's name, as the official server gives it: the compiled graph's own
        name when it has one, else the graph id (a factory's graph is not asked)."""
        return (self.shape.name if self.factory is None else None) or self.graph_id


def _load_env(config_dir: Path, env: Any) -> None:
    if isinstance(env, dict):
        for key, value in env.items():
            os.environ.setdefault(str(key), str(value))
    elif isinstance(env, str):
        env_file = (config_dir / env).resolve()
        if not env_file.is_file():
            raise GraphLoadError(f"env file not found: {env_file}")
        for line in env_file.read_text().splitlines():
            line = line.strip()
            if line.startswith("export "):
                line = line[len("export ") :].strip()
            if line and not line.startswith("#") and "=" in line:
                key, value = line.split("=", 1)
                os.environ.setdefault(key.strip(), value.strip().strip("'\""))


def import_file(path: Path, search_roots: list[Path]) -> Any:
    """Import a graph file: under its real module name when it is that module (a file inside an
    importable folder), else under a name made from its path, so two projects' `graph.py` never meet."""
    for root in search_roots:
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        parts = relative.with_suffix("").parts
        if not all(part.isidentifier() for part in parts):
            continue
        name = ".".join(parts)
        try:
            found = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            found = None
        if found is not None and found.origin and Path(found.origin).resolve() == path:
            return importlib.import_module(name)
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    module_name = f"agent_server_graph_{path.stem.replace('-', '_').replace('.', '_')}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise GraphLoadError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


def is_file_spec(module_part: str) -> bool:
    """The official rule: a "/" (or a `.py` suffix) makes it a file path, else it is a module."""
    return "/" in module_part or "\\" in module_part or module_part.endswith(".py")


def _graph_object(graph_id: str, location: str, config_dir: Path, roots: list[Path], label: str | None = None) -> tuple[Any, str]:
    """The object `location` names (`./file.py:attr` or `module:attr`); errors start with `label`
    (the graph's, by default)."""
    label = label or f"graph {graph_id!r}"
    module_part, _, attr = location.rpartition(":")
    if not module_part or not attr:
        raise GraphLoadError(
            f"{label}: expected './path/to/file.py:attribute' or 'package.module:attribute', got {location!r}"
        )
    if is_file_spec(module_part):
        file_path = (config_dir / module_part).resolve()
        if not file_path.is_file():
            raise GraphLoadError(f"{label}: file not found: {file_path}")
        source = str(file_path)
        importer = lambda: import_file(file_path, roots)  # noqa: E731
    else:
        source = module_part
        importer = lambda: importlib.import_module(module_part)  # noqa: E731
    try:
        module = importer()
    except ModuleNotFoundError as exc:
        raise GraphLoadError(f"{label} ({source}): cannot import: {exc}") from exc
    except Exception as exc:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        raise GraphLoadError(
            f"{label} ({source}): importing it raised {type(exc).__name__}: {exc} "
            f"(at {last.filename}:{last.lineno})"
        ) from exc
    if not hasattr(module, attr):
        raise GraphLoadError(f"{label} ({source}): no attribute {attr!r}")
    return getattr(module, attr), f"{source}:{attr}"


def load_spec(graph_id: str, obj: Any, source: str, description: str | None = None) -> GraphSpec:
    """A graph object as a spec; a factory is built once here, for its topology."""
    if is_factory(obj):
        try:
            factory = GraphFactory(graph_id, obj)
        except ValueError as exc:
            raise GraphLoadError(f"{exc} ({source})") from None
        try:
            built = factory.build_for_load()
        except Exception as exc:
            raise GraphLoadError(f"graph {graph_id!r} ({source}): the factory raised {type(exc).__name__}: {exc}") from exc
        return GraphSpec(graph_id, graph_shape(graph_id, built, source), source, description, factory)
    return GraphSpec(graph_id, graph_shape(graph_id, obj, source), source, description)


def read_config(config_path: Path) -> dict[str, Any]:
    try:
        config = json.loads(Path(config_path).read_text())
    except (OSError, ValueError) as exc:
        raise GraphLoadError(f"cannot read {config_path}: {exc}") from exc
    if not isinstance(config, dict):
        raise GraphLoadError(f"{config_path}: expected a JSON object")
    return config


def project_roots(config_path: Path, config: dict[str, Any]) -> list[Path]:
    """The project folder and its local `dependencies`, importable (first on `sys.path`)."""
    config_dir = config_path.parent
    roots = [config_dir]
    for dep in config.get("dependencies") or ["."]:
        if not isinstance(dep, str) or not dep.startswith((".", "/")):
            continue  # a package requirement: installed, not a folder
        dep_path = (config_dir / dep).resolve()
        if dep_path.is_dir() and dep_path not in roots:
            roots.append(dep_path)
    for root in reversed(roots):
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
    return roots


def project_object(config_path: Path, location: str, label: str) -> Any:
    """An object of the project other than a graph (`http.app`), loaded as graphs are."""
    config_path = Path(config_path).resolve()
    roots = project_roots(config_path, read_config(config_path))
    return _graph_object(label, location, config_path.parent, roots, label=label)[0]


def load_graphs(config_path: Path) -> dict[str, GraphSpec]:
    """Read `langgraph.json` and import its graphs."""
    config_path = Path(config_path).resolve()
    config = read_config(config_path)
    config_dir = config_path.parent
    roots = project_roots(config_path, config)
    _load_env(config_dir, config.get("env") or {})
    graphs: dict[str, GraphSpec] = {}
    for graph_id, target in (config.get("graphs") or {}).items():
        if isinstance(target, dict):
            location, description = str(target.get("path", "")), target.get("description")
        else:
            location, description = str(target), None
        obj, source = _graph_object(graph_id, location, config_dir, roots)
        graphs[graph_id] = load_spec(graph_id, obj, source, description)
    if not graphs:
        raise GraphLoadError(f"{config_path} declares no graphs")
    return graphs
