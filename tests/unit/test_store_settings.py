"""`langgraph.json`'s `store` section: what is accepted, what each mistake says."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from langgraph.store.memory import InMemoryStore

from activities.storage.store import StoreConfigError, StoreSettings, enter_custom_store, store_settings


def test_no_section_is_the_default_store() -> None:
    assert store_settings(None, Path(".")) == StoreSettings()
    assert StoreSettings().sweep_interval_minutes is None


def test_ttl_defaults_to_refresh_on_read_and_sweeps_when_asked() -> None:
    settings = store_settings({"ttl": {"default_ttl": 5, "sweep_interval_minutes": 2}}, Path("."))
    assert settings.ttl == {"refresh_on_read": True, "default_ttl": 5, "sweep_interval_minutes": 2}
    assert settings.sweep_interval_minutes == 2
    assert store_settings({"ttl": {"default_ttl": 5}}, Path(".")).sweep_interval_minutes is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"ttl": {"default": 5}}, "store.ttl: unknown keys ['default']"),
        ({"ttl": {"default_ttl": -1}}, "store.ttl.default_ttl: expected a positive number of minutes"),
        ({"ttl": {"sweep_interval_minutes": "often"}}, "store.ttl.sweep_interval_minutes: expected a positive number"),
        ({"ttl": "forever"}, "store.ttl: expected an object"),
        ({"index": {"dims": 3}}, "store.index: expected an object with 'dims' and 'embed'"),
        ({"index": {"dims": 0, "embed": "./e.py:f"}}, "store.index.dims: expected a positive integer"),
        ({"index": {"dims": 3, "embed": "./e.py:f", "metric": "l2"}}, "store.index: unknown keys ['metric']"),
        ({"index": {"dims": 3, "embed": "./missing.py:embed"}}, "store.index.embed: file not found"),
        ({"index": {"dims": 3, "embed": 7}}, "store.index.embed: expected a string"),
        ({"path": "./missing.py:store"}, "store.path: file not found"),
        ("yes", "store: expected an object"),
    ],
)
def test_a_mistake_names_its_key(section: object, message: str) -> None:
    with pytest.raises(StoreConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        store_settings(section, Path("."))


def test_embed_and_path_name_objects_in_the_project(tmp_path: Path) -> None:
    (tmp_path / "things.py").write_text(
        "from langgraph.store.memory import InMemoryStore\n"
        "def embed(texts):\n    return [[1.0, 0.0] for _ in texts]\n"
        "def make_store():\n    return InMemoryStore()\n"
    )
    settings = store_settings({"index": {"dims": 2, "embed": "./things.py:embed"}}, tmp_path)
    assert settings.index is not None and settings.index["embed"](["a"]) == [[1.0, 0.0]]
    custom = store_settings({"path": "./things.py:make_store", "ttl": {"sweep_interval_minutes": 1}}, tmp_path)
    assert callable(custom.custom)
    assert custom.sweep_interval_minutes is None  # a custom store sweeps itself, if at all
    with pytest.raises(StoreConfigError, match="no attribute 'nope'"):
        store_settings({"index": {"dims": 2, "embed": "./things.py:nope"}}, tmp_path)


def test_a_custom_store_may_be_an_instance_a_factory_or_a_context_manager() -> None:
    instance = InMemoryStore()

    @contextlib.asynccontextmanager
    async def managed():  # type: ignore[no-untyped-def]
        yield instance

    async def made() -> InMemoryStore:
        return instance

    async def enter_each() -> None:
        async with contextlib.AsyncExitStack() as stack:
            for custom in (instance, lambda: instance, made, managed):
                assert await enter_custom_store(custom, stack) is instance
            with pytest.raises(StoreConfigError, match="expected a BaseStore"):
                await enter_custom_store(lambda: "not a store", stack)

    asyncio.run(enter_each())
