"""The read model and the checkpoint store. Imports neither FastAPI nor Temporal."""

from activities.storage.database import Database
from activities.storage.tables import AssistantRow, AssistantVersionRow, RunRow, ThreadRow

__all__ = ["AssistantRow", "AssistantVersionRow", "Database", "RunRow", "ThreadRow"]
