"""The LangChain-aware payload converter keeps messages typed across Temporal boundaries."""

from __future__ import annotations

import json

from langchain_core.messages import AIMessage, HumanMessage, ToolMessage

from activities.converter import data_converter
from activities.node_call import NodeCall, NodeResult, pack, unpack
from workflows.types import RunResult


def _round_trip(value: object, hint: type) -> object:
    converter = data_converter().payload_converter
    [payload] = converter.to_payloads([value])
    assert payload.metadata["encoding"] == b"json/plain"  # legible in the Temporal UI
    json.loads(payload.data)
    return converter.from_payloads([payload], [hint])[0]


def test_messages_inside_node_inputs_stay_messages_and_legible() -> None:
    ai = AIMessage(content="", id="m1", tool_calls=[{"name": "t", "args": {"x": 1}, "id": "c1", "type": "tool_call"}])
    call = NodeCall(graph_id="g", path=["n"], input=pack({"messages": [HumanMessage("hi", id="h"), ai]}), config={})
    assert "json" in call.input  # plain state travels as JSON, not as an opaque blob
    decoded = _round_trip(call, NodeCall)
    assert isinstance(decoded, NodeCall)
    human, back = unpack(decoded.input)["messages"]
    assert isinstance(human, HumanMessage) and isinstance(back, AIMessage)
    assert back.tool_calls[0]["args"] == {"x": 1}


def test_node_results_and_run_results_keep_types() -> None:
    out = _round_trip(NodeResult(value=pack({"messages": [ToolMessage("60F", tool_call_id="c1")]})), NodeResult)
    assert isinstance(out, NodeResult) and isinstance(unpack(out.value)["messages"][0], ToolMessage)
    result = _round_trip(RunResult(status="success", values={"messages": [HumanMessage("x")], "n": 1}), RunResult)
    assert isinstance(result, RunResult) and isinstance(result.values["messages"][0], HumanMessage)
    assert result.values["n"] == 1


def test_plain_json_is_untouched() -> None:
    assert _round_trip({"lc": 2, "value": [1, 2]}, dict) == {"lc": 2, "value": [1, 2]}
