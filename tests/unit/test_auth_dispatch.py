"""Custom auth's pure decisions: which `@auth.on` handler answers, what its answer means, how the
authenticate handler's answer becomes the caller, and the user graphs are given."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from langgraph_sdk import Auth
from starlette.exceptions import HTTPException

from activities.auth_user import AuthUser, as_user, user_data
from api.auth.authenticate import _arguments, _caller
from api.auth.authorize import Caller, Forbidden, authorize, current_caller
from api.auth.project import ProjectAuth


def _ctx(auth: Auth) -> Any:
    return SimpleNamespace(auth=ProjectAuth(auth=auth, parameters=frozenset()))


@pytest.fixture
def as_alice() -> Any:
    token = current_caller.set(Caller(AuthUser({"identity": "alice"}), ("read",)))
    yield
    current_caller.reset(token)


async def test_the_most_specific_handler_answers(as_alice: None) -> None:
    auth = Auth()
    seen: list[str] = []

    @auth.on
    async def anything(ctx: Auth.types.AuthContext, value: Any) -> Any:
        seen.append(f"global {ctx.resource}:{ctx.action}")

    @auth.on.threads
    async def threads(ctx: Auth.types.AuthContext, value: Any) -> Any:
        seen.append(f"threads {ctx.action}")

    @auth.on.threads.create
    async def create(ctx: Auth.types.AuthContext, value: Any) -> Any:
        seen.append(f"create by {ctx.user.identity} {list(ctx.permissions)}")

    ctx = _ctx(auth)
    await authorize(ctx, "threads", "create", {})
    await authorize(ctx, "threads", "read", {})
    await authorize(ctx, "assistants", "read", {})
    assert seen == ["create by alice ['read']", "threads read", "global assistants:read"]


async def test_what_a_handlers_answer_means(as_alice: None) -> None:
    auth = Auth()
    answers: dict[str, Any] = {}

    @auth.on
    async def answer(ctx: Auth.types.AuthContext, value: Any) -> Any:
        result = answers[ctx.action]
        if isinstance(result, BaseException):
            raise result
        return result

    ctx = _ctx(auth)
    answers.update(read=None, update=True, create={"owner": "alice"}, search={}, delete=False)
    assert await authorize(ctx, "threads", "read", {}) is None
    assert await authorize(ctx, "threads", "update", {}) is None
    assert await authorize(ctx, "threads", "create", {}) == {"owner": "alice"}
    assert await authorize(ctx, "threads", "search", {}) is None
    with pytest.raises(Forbidden, match="Forbidden"):
        await authorize(ctx, "threads", "delete", {})
    answers["delete"] = AssertionError("not yours")
    with pytest.raises(Forbidden, match="not yours"):
        await authorize(ctx, "threads", "delete", {})
    answers["delete"] = Auth.exceptions.HTTPException(status_code=418, detail="teapot")
    with pytest.raises(HTTPException) as raised:
        await authorize(ctx, "threads", "delete", {})
    assert (raised.value.status_code, raised.value.detail) == (418, "teapot")
    answers["delete"] = "yes"
    with pytest.raises(HTTPException, match="invalid result"):
        await authorize(ctx, "threads", "delete", {})


async def test_nothing_is_asked_without_a_caller_or_project_auth() -> None:
    auth = Auth()

    @auth.on
    async def deny(ctx: Auth.types.AuthContext, value: Any) -> bool:
        return False

    assert await authorize(_ctx(auth), "threads", "read", {}) is None  # the server's own work
    assert await authorize(SimpleNamespace(auth=None), "threads", "read", {}) is None


@dataclass
class OrgUser:
    identity: str
    org: str
    permissions: tuple[str, ...] = ("admin",)


@pytest.mark.parametrize(
    ("answer", "identity", "permissions", "extra"),
    [
        ("ann", "ann", (), {}),
        ({"identity": "bo", "permissions": ["r"], "org": "x"}, "bo", ("r",), {"org": "x"}),
        ((["w"], {"identity": "cy"}), "cy", ("w",), {}),
        (OrgUser("di", "acme"), "di", ("admin",), {"org": "acme"}),
    ],
)
def test_the_authenticate_answer_becomes_the_caller(answer: Any, identity: str, permissions: tuple[str, ...], extra: dict[str, Any]) -> None:
    caller = _caller(answer)
    assert (caller.user.identity, caller.permissions) == (identity, permissions)
    for key, value in extra.items():
        assert getattr(caller.user, key) == value and caller.user[key] == value
    assert caller.user.is_authenticated and caller.user.display_name == identity


def test_an_answer_without_an_identity_is_refused() -> None:
    with pytest.raises(ValueError, match="identity"):
        _caller({"name": "x"})
    with pytest.raises(ValueError, match="identity"):
        _caller(42)


def test_the_user_graphs_get_reads_as_object_and_mapping_and_round_trips() -> None:
    user = as_user({"identity": "ann", "org": "acme", "permissions": ["r"]})
    assert user is not None
    assert (user.identity, user.org, user["org"], user.get("missing"), user.permissions) == ("ann", "acme", "acme", None, ["r"])
    assert dict(user) == {"identity": "ann", "is_authenticated": True, "display_name": "ann", "org": "acme", "permissions": ["r"]}
    assert as_user(user_data(user)) == user and as_user(None) is None
    with pytest.raises(AttributeError):
        user.nothing


def test_the_authenticate_handler_gets_what_it_names() -> None:
    scope = {
        "type": "http", "method": "POST", "path": "/threads", "query_string": b"a=1",
        "headers": [(b"authorization", b"Bearer t"), (b"x-k", b"v")],
    }
    given = _arguments(scope, frozenset({"authorization", "path", "method", "headers", "query_params"}), None)
    assert given["authorization"] == "Bearer t" and given["path"] == "/threads" and given["method"] == "POST"
    assert given["headers"][b"x-k"] == b"v" and given["query_params"]["a"] == "1"
    assert _arguments({**scope, "headers": []}, frozenset({"authorization"}), None) == {"authorization": None}


async def test_a_factory_read_in_the_api_gets_the_caller_and_the_configurable_headers() -> None:
    import re
    from typing import TypedDict

    from langgraph.checkpoint.memory import InMemorySaver
    from langgraph.graph import StateGraph
    from langgraph_sdk.runtime import ServerRuntime

    from activities.factories import GraphFactory
    from activities.graphs import GraphSpec, graph_shape
    from api.configurable_headers import HeaderPolicy, request_headers
    from api.context import AppContext

    class S(TypedDict):
        x: int

    def build() -> Any:
        return StateGraph(S).add_node("n", lambda s: s).set_entry_point("n").compile()

    seen: dict[str, Any] = {}

    def factory(config: dict[str, Any], runtime: ServerRuntime) -> Any:
        seen.update(config=config["configurable"], user=runtime.user)
        return build()

    spec = GraphSpec("g", graph_shape("g", build(), "test"), factory=GraphFactory("g", factory))
    ctx = AppContext(
        settings=None, db=SimpleNamespace(checkpointer=InMemorySaver()), client=None, graphs={"g": spec},  # type: ignore[arg-type]
        headers=HeaderPolicy(includes=(re.compile(r"x-team\Z"),)), auth=ProjectAuth(auth=Auth(), parameters=frozenset()),
    )
    caller = current_caller.set(Caller(AuthUser({"identity": "ann"}), ("r",)))
    headers = request_headers.set(((b"x-team", b"blue"), (b"authorization", b"Bearer t")))
    try:
        async with ctx.graph("g", "threads.read", {"configurable": {"thread_id": "t"}}):
            pass
    finally:
        request_headers.reset(headers)
        current_caller.reset(caller)
    assert seen["config"]["x-team"] == "blue" and "authorization" not in seen["config"]
    assert seen["config"]["thread_id"] == "t" and seen["config"]["langgraph_auth_user_id"] == "ann"
    assert seen["user"].identity == "ann"
