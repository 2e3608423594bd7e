"""The authenticated user as graphs see it: `config["configurable"]["langgraph_auth_user"]` and
`ServerRuntime.user`, in the API (state reads, factories) and in the worker's activities.

The official server hands graphs the object its `@auth.authenticate` returned, wrapped so that it
always has `identity`, `is_authenticated`, `display_name` and `permissions`, and reads both as an
object (`user.identity`, `user.org`) and as a mapping (`user["identity"]`, `user.get("org")`). A run
here crosses Temporal, so the user travels as its JSON form (`user_to_json`) and is rebuilt as an
`AuthUser` where the graph meets it: the same attributes and keys, from the same data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

USER_KEY = "langgraph_auth_user"
USER_ID_KEY = "langgraph_auth_user_id"
PERMISSIONS_KEY = "langgraph_auth_permissions"
AUTH_KEYS = (USER_KEY, USER_ID_KEY, PERMISSIONS_KEY)


class AuthUser(Mapping[str, Any]):
    """A user with the properties LangGraph's auth types promise (`langgraph_sdk.auth.types.BaseUser`,
    a protocol), over the handler's data. Plain Python, so the workflow side can carry its JSON form."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if not isinstance(data.get("identity"), str):
            raise ValueError(f"a user needs a string `identity`, got {data.get('identity')!r}")
        self._data = dict(data)

    @property
    def identity(self) -> str:
        return self._data["identity"]

    @property
    def is_authenticated(self) -> bool:
        return bool(self._data.get("is_authenticated", True))

    @property
    def display_name(self) -> str:
        return str(self._data.get("display_name") or self.identity)

    @property
    def permissions(self) -> list[str]:
        return list(self._data.get("permissions") or [])

    def __getattr__(self, name: str) -> Any:
        data = self.__dict__.get("_data")
        if data is None or name not in data:
            raise AttributeError(f"the user has no attribute {name!r}")
        return data[name]

    def __getitem__(self, key: str) -> Any:
        return self.dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.dict())

    def __len__(self) -> int:
        return len(self.dict())

    def dict(self) -> dict[str, Any]:
        return {"identity": self.identity, "is_authenticated": self.is_authenticated, "display_name": self.display_name, **self._data}

    def model_dump(self, **_: Any) -> dict[str, Any]:  # what LangChain's serializer asks a user for
        return self.dict()

    def __repr__(self) -> str:
        return f"AuthUser({self._data!r})"

    def __reduce__(self) -> Any:
        return (AuthUser, (self._data,))


def user_data(user: Any) -> dict[str, Any]:
    """The JSON-able data of whatever `@auth.authenticate` gave as the user (a string identity, a
    dict with `identity`, or an object with an `identity` attribute: a pydantic model, a dataclass,
    Starlette's BaseUser)."""
    if isinstance(user, AuthUser):
        return user.dict()
    if isinstance(user, str):
        return {"identity": user}
    if isinstance(user, Mapping):
        if "identity" not in user:
            raise ValueError(f"the user the auth handler returned has no `identity`: {dict(user)!r}")
        return {k: v for k, v in user.items()}
    if not hasattr(user, "identity"):
        raise ValueError(
            "the auth handler must return a user: a string identity, a dict with `identity`, or an object "
            f"with an `identity` attribute (optionally `is_authenticated`, `display_name`, `permissions`); got {type(user).__name__}"
        )
    data: dict[str, Any] = {}
    if callable(getattr(user, "model_dump", None)):
        data = dict(user.model_dump(mode="json"))
    elif callable(getattr(user, "dict", None)):
        data = dict(user.dict())
    elif hasattr(user, "__dict__"):
        data = {k: v for k, v in vars(user).items() if not k.startswith("_")}
    data["identity"] = user.identity
    for name in ("is_authenticated", "display_name"):
        try:
            data.setdefault(name, getattr(user, name))
        except (AttributeError, NotImplementedError):
            pass
    return data


def as_user(value: Any) -> AuthUser | None:
    """The `AuthUser` a run's configurable carries (its JSON form), or None when there is none."""
    if value is None or isinstance(value, AuthUser):
        return value
    return AuthUser(user_data(value))
