"""A project's custom auth, as LangGraph's docs write it: bearer tokens, each user sees only what it
owns (an `owner` stamped into the metadata of what it creates), deletes need the `delete`
permission, the store is scoped to the user's namespace."""

from langgraph_sdk import Auth

USERS = {
    "alice-token": {"identity": "alice", "permissions": ["read", "write", "delete"], "org": "acme"},
    "bob-token": {"identity": "bob", "permissions": ["read", "write"], "org": "globex"},
}

auth = Auth()


@auth.authenticate
async def authenticate(authorization: str | None, path: str, method: str) -> Auth.types.MinimalUserDict:
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Auth.exceptions.HTTPException(status_code=401, detail="Missing bearer token")
    user = USERS.get(authorization[7:])
    if user is None:
        raise Auth.exceptions.HTTPException(status_code=401, detail="Invalid token")
    if authorization[7:] == "alice-token" and path == "/threads/forbidden-path":
        raise Auth.exceptions.HTTPException(status_code=403, detail="Not on this path")
    return user


@auth.on
async def owner_only(ctx: Auth.types.AuthContext, value: dict) -> Auth.types.FilterType:
    """Everything not handled below: stamp the owner on what is created, see only what one owns."""
    filters = {"owner": ctx.user.identity}
    metadata = value.setdefault("metadata", {})
    if isinstance(metadata, dict):
        metadata.update(filters)
    return filters


@auth.on.threads.delete
async def delete_needs_permission(ctx: Auth.types.AuthContext, value: dict) -> Auth.types.FilterType:
    assert "delete" in ctx.permissions, f"{ctx.user.identity} may not delete threads"
    return {"owner": ctx.user.identity}


@auth.on.assistants.create
async def only_alice_makes_assistants(ctx: Auth.types.AuthContext, value: dict) -> bool | Auth.types.FilterType:
    if ctx.user.identity != "alice":
        return False
    value.setdefault("metadata", {})["owner"] = ctx.user.identity
    return {"owner": ctx.user.identity}


@auth.on.store
async def own_namespace(ctx: Auth.types.AuthContext, value: dict) -> None:
    value["namespace"] = (ctx.user.identity, *(value.get("namespace") or ()))
