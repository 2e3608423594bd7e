"""The long-term memory store: LangGraph's own `BaseStore` on the server's database.

`langgraph.json`'s `store` section configures it as on the official server:
- `index` (`dims`, `embed`, `fields`): semantic search. `embed` is a LangChain model name
  (`openai:text-embedding-3-small`, through `init_embeddings`) or a function or `Embeddings` object
  named as `./file.py:name` or `package.module:name`. On SQLite the vectors live in the same file
  (LangGraph's `sqlite-vec` store); on PostgreSQL they need the `vector` extension (pgvector).
- `ttl` (`default_ttl` minutes, `refresh_on_read`, `sweep_interval_minutes`): item expiry. The API
  process sweeps expired items.
- `path`: a store of the project's own (a `BaseStore`, or a function or context manager making
  one), used instead; `index` and `ttl` are then the custom store's business.

The API (`/store/...`) and graph nodes (`runtime.store`, `get_store()`, `InjectedStore`) use the
same store, so what a node writes the API reads.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langgraph.store.base import BaseStore

from activities.graphs import GraphLoadError, import_file, is_file_spec, read_config


class StoreConfigError(GraphLoadError):
    """`langgraph.json`'s `store` section cannot be used; the message says which key and why (it
    stops a start as a graph that cannot load does)."""


@dataclass(frozen=True)
class StoreSettings:
    """The `store` section of `langgraph.json`, its names resolved to objects."""

    index: dict[str, Any] | None = None
    ttl: dict[str, Any] | None = None
    custom: Any = None  # `path`: what it names, not yet entered

    @property
    def sweep_interval_minutes(self) -> float | None:
        """How often expired items are deleted; None: never (LangGraph's stores sweep only when asked)."""
        if self.custom is not None or not self.ttl:
            return None
        return self.ttl.get("sweep_interval_minutes")


_TTL_KEYS = {"default_ttl", "refresh_on_read", "sweep_interval_minutes"}
_INDEX_KEYS = {"dims", "embed", "fields"}


def _named_object(spec: str, config_dir: Path, what: str) -> Any:
    """`./file.py:name` (relative to langgraph.json) or `package.module:name`, imported."""
    module_part, _, attr = spec.rpartition(":")
    if not module_part or not attr:
        raise StoreConfigError(f"{what}: expected './file.py:name' or 'package.module:name', got {spec!r}")
    try:
        if is_file_spec(module_part):
            path = (config_dir / module_part).resolve()
            if not path.is_file():
                raise StoreConfigError(f"{what}: file not found: {path}")
            module = import_file(path, [config_dir])
        else:
            module = importlib.import_module(module_part)
    except StoreConfigError:
        raise
    except Exception as exc:
        raise StoreConfigError(f"{what} ({spec}): importing it raised {type(exc).__name__}: {exc}") from exc
    if not hasattr(module, attr):
        raise StoreConfigError(f"{what} ({spec}): no attribute {attr!r}")
    return getattr(module, attr)


def _embeddings(embed: Any, config_dir: Path) -> Any:
    if not isinstance(embed, str):
        raise StoreConfigError(f"store.index.embed: expected a string, got {embed!r}")
    if is_file_spec(embed.rpartition(":")[0]):
        return _named_object(embed, config_dir, "store.index.embed")
    try:  # a LangChain model name ("provider:model") first, as the official server
        from langgraph.store.base.embed import ensure_embeddings

        return ensure_embeddings(embed)
    except Exception as model_error:
        try:
            return _named_object(embed, config_dir, "store.index.embed")
        except StoreConfigError:
            raise StoreConfigError(
                f"store.index.embed: {embed!r} is neither an embeddings model LangChain can load "
                f"({type(model_error).__name__}: {model_error}) nor an importable 'package.module:name'"
            ) from model_error


def store_settings(section: Any, config_dir: Path) -> StoreSettings:
    """Validate `langgraph.json`'s `store` section and resolve the names it holds."""
    if not section:
        return StoreSettings()
    if not isinstance(section, dict):
        raise StoreConfigError(f"store: expected an object, got {section!r}")
    custom = _named_object(section["path"], config_dir, "store.path") if section.get("path") else None
    index = section.get("index")
    if index:
        if not isinstance(index, dict) or "dims" not in index or "embed" not in index:
            raise StoreConfigError("store.index: expected an object with 'dims' and 'embed'")
        unknown = set(index) - _INDEX_KEYS
        if unknown:
            raise StoreConfigError(f"store.index: unknown keys {sorted(unknown)} (known: {sorted(_INDEX_KEYS)})")
        if not isinstance(index["dims"], int) or index["dims"] <= 0:
            raise StoreConfigError(f"store.index.dims: expected a positive integer, got {index['dims']!r}")
        index = {**index, "embed": _embeddings(index["embed"], config_dir) if custom is None else index["embed"]}
    ttl = section.get("ttl")
    if ttl:
        if not isinstance(ttl, dict):
            raise StoreConfigError(f"store.ttl: expected an object, got {ttl!r}")
        unknown = set(ttl) - _TTL_KEYS
        if unknown:
            raise StoreConfigError(f"store.ttl: unknown keys {sorted(unknown)} (known: {sorted(_TTL_KEYS)})")
        for key in ("default_ttl", "sweep_interval_minutes"):
            value = ttl.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
                raise StoreConfigError(f"store.ttl.{key}: expected a positive number of minutes, got {value!r}")
        ttl = {"refresh_on_read": True, **ttl}  # the official default
    return StoreSettings(index=index or None, ttl=ttl or None, custom=custom)


# The store of this process's database: what nodes (`runtime.store`) and graph factories
# (`ServerRuntime.store`) get. One per process, as the database; set once the database is open.
_process_store: BaseStore | None = None


def use_process_store(store: BaseStore | None) -> None:
    global _process_store
    _process_store = store


def process_store() -> BaseStore | None:
    return _process_store


def project_store_settings(config_path: Path) -> StoreSettings:
    """The store settings of the project whose `langgraph.json` is `config_path`."""
    config_path = Path(config_path).resolve()
    return store_settings(read_config(config_path).get("store"), config_path.parent)


async def enter_custom_store(custom: Any, stack: contextlib.AsyncExitStack) -> BaseStore:
    """The project's own store: an instance, or what a function, coroutine or context manager gives."""
    value = custom
    if not isinstance(value, BaseStore) and callable(value) and not hasattr(value, "__aenter__") and not hasattr(value, "__enter__"):
        value = value()
    if inspect.isawaitable(value):
        value = await value
    if hasattr(value, "__aenter__"):
        value = await stack.enter_async_context(value)
    elif hasattr(value, "__enter__") and not isinstance(value, BaseStore):
        value = stack.enter_context(value)
    if not isinstance(value, BaseStore):
        raise StoreConfigError(f"store.path: expected a BaseStore (or something that makes one), got {type(value).__name__}")
    return value
