"""Custom auth as the official server runs it (`auth.path` in `langgraph.json`, a
`langgraph_sdk.Auth`): `project` loads it, `authenticate` decides who calls (an ASGI middleware),
`authorize` asks the project's `@auth.on` handlers about each action, `filters` applies the filters
they return. Without `auth` none of it runs and the API is open (or behind API keys, api/api_keys.py).
"""
