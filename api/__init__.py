"""The FastAPI facade speaking the LangGraph Platform REST API."""
