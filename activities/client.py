"""The Temporal client every process uses (same address settings, same data converter)."""

from __future__ import annotations

from temporalio.client import Client

from activities.converter import data_converter
from activities.settings import Settings


async def connect(settings: Settings) -> Client:
    """A Temporal client with the LangChain-aware data converter."""
    return await Client.connect(
        settings.temporal_address, namespace=settings.temporal_namespace, data_converter=data_converter()
    )
