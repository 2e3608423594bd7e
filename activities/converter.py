"""A payload converter that keeps LangChain objects (messages) typed across Temporal boundaries.

The default JSON converter turns messages into plain dicts, so a `ToolNode` running as an
activity finds no `AIMessage` (temporal-facts.md pitfall 8). This converter writes LangChain
`Serializable` objects in LangChain's own readable JSON form (`{"lc": 1, "type": "constructor",
...}`), so the Temporal UI still shows legible payloads, and revives them on the way back.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
import warnings
from typing import Any

from langchain_core.load import dumpd, load
from langchain_core.load.serializable import Serializable
from temporalio.api.common.v1 import Payload
from temporalio.converter import _payload_converter
from temporalio.converter import (
    AdvancedJSONEncoder,
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    BinaryProtoPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    ExternalStorage,
    JSONPlainPayloadConverter,
    JSONProtoPayloadConverter,
)


# Temporal's JSON converter resolves a dataclass's type hints on every payload it decodes into one,
# and our message dataclasses' hints are strings (`from __future__ import annotations`), parsed anew
# each time: ~11 % of the worker's CPU under load. A class's hints do not change, so they are cached.
_payload_converter.get_type_hints = functools.lru_cache(maxsize=4096)(typing.get_type_hints)  # type: ignore[assignment]


class _LangChainJSONEncoder(AdvancedJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, Serializable) and o.is_lc_serializable():
            return dumpd(o)
        return super().default(o)


def _has_lc_marker(value: Any) -> bool:
    if isinstance(value, dict):
        if value.get("lc") == 1 and "type" in value:
            return True
        return any(_has_lc_marker(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_lc_marker(v) for v in value)
    return False


def revive(value: Any) -> Any:
    """Turn LangChain's serialized form back into objects, inside dataclasses too."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            current = getattr(value, f.name)
            revived = revive(current)
            if revived is not current:
                object.__setattr__(value, f.name, revived)
        return value
    if isinstance(value, tuple):
        items = [revive(v) for v in value]
        return value if all(a is b for a, b in zip(items, value)) else tuple(items)
    if not _has_lc_marker(value):
        return value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # `load` is marked beta; its format is LangChain's stable one
        return load(value, allowed_objects="core", ignore_unserializable_fields=True)


class LangChainJSONPayloadConverter(JSONPlainPayloadConverter):
    """`json/plain` with LangChain objects encoded by `dumpd` and revived by `load`."""

    def __init__(self) -> None:
        super().__init__(encoder=_LangChainJSONEncoder)

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        return revive(super().from_payload(payload, type_hint))


class LangChainPayloadConverter(CompositePayloadConverter):
    """Temporal's default converter chain with the LangChain-aware JSON converter."""

    def __init__(self) -> None:
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            JSONProtoPayloadConverter(),
            BinaryProtoPayloadConverter(),
            LangChainJSONPayloadConverter(),
        )


def data_converter(external_storage: ExternalStorage | None = None) -> DataConverter:
    """The data converter shared by the API's client and the worker; `external_storage` keeps big
    payloads out of workflow history (activities/payload_storage.py)."""
    return DataConverter(payload_converter_class=LangChainPayloadConverter, external_storage=external_storage)
