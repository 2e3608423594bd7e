"""The fake OpenAI server's replies are functions of the conversation, through the real openai client."""

from __future__ import annotations

import base64
import json
import struct

import httpx
import pytest

from tests.corpus.fake_openai import FakeOpenAI, embed, reply

CALCULATOR = {
    "type": "function",
    "function": {
        "name": "calculator",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}}, "required": ["expression"]},
    },
}
ADD = {
    "type": "function",
    "function": {
        "name": "add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
}


def test_reply_rules() -> None:
    user = [{"role": "system", "content": "sys"}, {"role": "user", "content": "calculator: 2 + 3"}]
    first = reply(user, [CALCULATOR])
    assert first == {"content": "", "tool_calls": [{"id": "call_2_0", "name": "calculator",
                                                    "arguments": json.dumps({"expression": "2 + 3"})}]}
    explicit = reply([{"role": "user", "content": 'use add {"a": 4, "b": 5} then calculator'}], [CALCULATOR, ADD])
    assert [(c["name"], json.loads(c["arguments"])) for c in explicit["tool_calls"]] == [
        ("add", {"a": 4, "b": 5}), ("calculator", {"expression": 'use add {"a": 4, "b": 5} then calculator'})]
    assert reply([{"role": "user", "content": "add 7 and 8"}], [ADD])["tool_calls"][0]["arguments"] == '{"a": 7, "b": 7}'
    after = [*user, {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_2_0", "type": "function", "function": {"name": "calculator", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "call_2_0", "content": "5"}]
    assert reply(after, [CALCULATOR]) == {"content": "Done. calculator returned: 5", "tool_calls": []}
    assert reply([{"role": "user", "content": "hello"}], [CALCULATOR])["content"] == "You said: hello"
    assert reply(user, [CALCULATOR]) == first  # no state between calls


def test_embeddings_are_deterministic_unit_vectors() -> None:
    assert embed("Hello world", 64) == embed("hello, WORLD", 64)
    assert abs(sum(v * v for v in embed("a b c", 16)) - 1.0) < 1e-9
    assert embed("hiking alps") != embed("sailing")


def test_through_the_openai_client() -> None:
    openai = pytest.importorskip("openai")
    with FakeOpenAI() as fake:
        client = openai.OpenAI(api_key="sk-fake", base_url=fake.base_url)
        messages = [{"role": "user", "content": "calculator: 6*7"}]
        done = client.chat.completions.create(model="m", messages=messages, tools=[CALCULATOR])
        assert done.choices[0].message.tool_calls[0].function.arguments == '{"expression": "6*7"}'
        stream = client.chat.completions.create(
            model="m", messages=messages, tools=[CALCULATOR], stream=True, stream_options={"include_usage": True}
        )
        arguments, names, usage = "", [], None
        for chunk in stream:
            usage = chunk.usage or usage
            for choice in chunk.choices:
                for call in choice.delta.tool_calls or []:
                    arguments += call.function.arguments or ""
                    names += [call.function.name] if call.function.name else []
        assert names == ["calculator"] and json.loads(arguments) == {"expression": "6*7"} and usage is not None
        text = "".join(
            c.choices[0].delta.content or "" for c in client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi there"}], stream=True) if c.choices
        )
        assert text == "You said: hi there"
        vectors = client.embeddings.create(model="e", input=["hi", "there"], dimensions=8)  # base64 by default
        assert [len(v.embedding) for v in vectors.data] == [8, 8]
        raw = httpx.post(f"{fake.base_url}/embeddings", json={"input": "hi", "dimensions": 4, "encoding_format": "base64"})
        decoded = struct.unpack("<4f", base64.b64decode(raw.json()["data"][0]["embedding"]))
        assert [round(v, 5) for v in decoded] == [round(v, 5) for v in embed("hi", 4)]
