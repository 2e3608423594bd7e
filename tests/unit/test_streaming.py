"""Pure streaming logic: mode mapping, message event formats, SSE encoding, Last-Event-ID."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessageChunk, ToolMessage

from api.errors import InvalidRequest
from api.services.streams import _wanted, parse_last_event_id, parse_thread_event_id, sse
from workflows.streaming import (
    STREAM_MESSAGES_TAG,
    STREAM_PARTIAL_MESSAGES_TAG,
    MessageEvents,
    astream_modes,
    custom_event,
    event_name,
    message_tags,
    messages_from_update,
    namespaced_custom,
    requested_modes,
    stream_namespace,
    wire_mode,
)


def test_modes_map_to_what_astream_produces() -> None:
    assert requested_modes(None) == ["values"]
    assert requested_modes("updates") == ["updates"]
    assert astream_modes(["updates", "custom"]) == ["custom", "updates", "values"]
    # Messages come from activities and updates, never from LangGraph's handler in the workflow.
    assert astream_modes(["messages-tuple"]) == ["updates", "values"]
    assert astream_modes(["events"]) == ["values"]
    assert wire_mode("updates", ["messages-tuple"]) is None
    assert wire_mode("values", ["values", "updates"]) == "values"
    assert event_name("values", ("child:1",)) == "values|child:1"
    assert message_tags(["messages", "messages-tuple"]) == [STREAM_MESSAGES_TAG, STREAM_PARTIAL_MESSAGES_TAG]
    assert message_tags(["values"]) == []


def test_messages_from_update_keeps_non_ai_messages_with_their_node() -> None:
    tool = ToolMessage("60 degrees", tool_call_id="c1", id="t1")
    update = {"tools": {"messages": [tool]}, "agent": {"messages": [{"type": "ai", "content": "x"}]}}
    assert messages_from_update(update) == [(tool, {"langgraph_node": "tools"})]
    assert messages_from_update(None) == []


def test_message_events_in_both_formats() -> None:
    events = MessageEvents(tuples=True, partials=True)
    first = events.chunk(AIMessageChunk(content="Hel", id="m1"), {"langgraph_node": "agent"})
    assert [e["event"] for e in first] == ["messages", "messages/metadata", "messages/partial"]
    assert first[0]["data"][0]["content"] == "Hel" and first[0]["data"][1] == {"langgraph_node": "agent"}
    assert first[1]["data"] == {"m1": {"metadata": {"langgraph_node": "agent"}}}
    second = events.chunk(AIMessageChunk(content="lo", id="m1"), {"langgraph_node": "agent"})
    assert [e["event"] for e in second] == ["messages", "messages/partial"]  # announced once
    assert second[1]["data"][0]["content"] == "Hello" and second[1]["data"][0]["type"] == "ai"
    whole = MessageEvents(tuples=False, partials=True).complete(ToolMessage("r", tool_call_id="c", id="t"), {})
    assert [e["event"] for e in whole] == ["messages/metadata", "messages/complete"]
    only_tuples = MessageEvents(tuples=True, partials=False).chunk(AIMessageChunk(content="a", id="m"), {})
    assert [e["event"] for e in only_tuples] == ["messages"]


def test_sse_wire_format_and_last_event_id() -> None:
    assert sse("values", {"a": 1}, 3) == b'event: values\ndata: {"a":1}\nid: 3\n\n'
    assert sse("error", {"error": "E"}) == b'event: error\ndata: {"error":"E"}\n\n'
    assert parse_last_event_id(None) is None
    assert parse_last_event_id("-1") == 0
    assert parse_last_event_id("7") == 8
    for bad in ("x", "-2"):
        with pytest.raises(InvalidRequest):
            parse_last_event_id(bad)


def test_join_filters_by_mode() -> None:
    assert _wanted("values", None)
    assert _wanted("values|child:1", ["values"])
    assert not _wanted("updates", ["values"])
    assert _wanted("messages", ["messages-tuple"]) and not _wanted("messages", ["messages"])
    assert _wanted("messages/partial", ["messages"]) and not _wanted("messages/partial", ["messages-tuple"])


def test_token_batches_widen_as_a_generation_goes_on() -> None:
    from datetime import timedelta

    from activities.token_stream import flush_interval

    base = timedelta(milliseconds=50)
    assert flush_interval(0, base) == flush_interval(19.9, base) == 0.05
    assert flush_interval(20, base) == flush_interval(119, base) == 0.2
    assert flush_interval(120, base) == flush_interval(3600, base) == 1.0
    assert flush_interval(600, timedelta(seconds=2)) == 2.0  # never narrower than the base


def test_a_tasks_stream_namespace_is_its_checkpoint_namespace_without_itself() -> None:
    assert stream_namespace("") == ()
    assert stream_namespace("plan:1") == ()
    assert stream_namespace("team:1|research:2") == ("team:1",)
    assert stream_namespace("a:1|b:2|c:3") == ("a:1", "b:2")


def test_custom_items_with_and_without_a_namespace() -> None:
    assert custom_event({"progress": 1}) == ("custom", {"progress": 1})
    assert custom_event(namespaced_custom(("team:1",), {"progress": 1})) == ("custom|team:1", {"progress": 1})
    assert custom_event(namespaced_custom(("a:1", "b:2"), "x")) == ("custom|a:1|b:2", "x")
    # A user's own dict that merely has a `data` key is passed through untouched.
    assert custom_event({"data": 1}) == ("custom", {"data": 1})


def test_thread_event_ids() -> None:
    assert parse_thread_event_id(None) is None
    assert parse_thread_event_id("-") == ("", None)
    assert parse_thread_event_id("run-a:3") == ("run-a", 4)
    assert parse_thread_event_id("run-a:-1") == ("run-a", 0)
    for ended in ("run-a:done", "run-a:error", "upd-b:state"):
        assert parse_thread_event_id(ended) == (ended.split(":")[0], None)
    with pytest.raises(InvalidRequest):
        parse_thread_event_id("run-a:later")


async def test_a_model_that_does_not_stream_is_sent_whole_and_a_sub_agents_under_its_namespace() -> None:
    from uuid import uuid4

    from langchain_core.messages import AIMessage
    from langchain_core.outputs import ChatGeneration, LLMResult

    from activities.token_stream import TokenStreamHandler
    from workflows.streaming import MessageEvents

    async def one_call(handler: TokenStreamHandler, checkpoint_ns: str) -> None:
        run_id = uuid4()
        metadata = {"langgraph_node": "model", "langgraph_checkpoint_ns": checkpoint_ns}
        await handler.on_chat_model_start({}, [[]], run_id=run_id, metadata=metadata)
        result = LLMResult(generations=[[ChatGeneration(message=AIMessage("done", id="m"))]])
        await handler.on_llm_end(result, run_id=run_id)

    for subgraphs, expected in [(True, ["messages", "messages|tools:t1"]), (False, ["messages"])]:
        published: list[dict] = []
        handler = TokenStreamHandler(published.append, MessageEvents(tuples=True, partials=False), subgraphs)
        await one_call(handler, "model:a")  # the run's own model node
        await one_call(handler, "tools:t1|model:b")  # a sub-agent's model, inside the tools node
        assert [e["event"] for e in published] == expected
        assert published[0]["data"][0]["content"] == "done"
