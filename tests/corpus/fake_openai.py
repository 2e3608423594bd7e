"""A loopback OpenAI-compatible server whose replies are derived from the conversation.

Any server (the reference `langgraph dev`, ours, or plain LangGraph in-process) that replays the
same conversation gets the same reply, so there is no script cursor shared between runs. The rules,
applied to the messages of one `/v1/chat/completions` request:

1. The last message is a tool result: the reply is a final text quoting every tool result since
   the last assistant message: ``"Done. calculator returned: 5"``.
2. The last message is a user message and tools are offered: every offered tool whose name appears
   in the text is called, in the order the names appear. Its arguments are, if the name is followed
   by a JSON object (``calculator {"expression": "2+3"}``), that object; otherwise each required
   parameter is filled from the text: strings with the text after ``<name>:`` (or the whole text),
   numbers with the first number in the text, booleans with true. Tool call ids are deterministic:
   ``call_<number of messages>_<index>``.
3. Otherwise the reply is ``"You said: <the last user text>"``.

Both the non-streaming JSON answer and `stream: true` SSE chunks (words as content deltas, tool
calls as `tool_calls` deltas with their arguments in two pieces, an optional usage chunk) are
served. `/v1/embeddings` answers deterministic hashed bag-of-words vectors (`dimensions` from the
request, else 1536), as floats or base64 as asked.

Use it with ``OPENAI_API_KEY=sk-fake OPENAI_BASE_URL=<server.base_url>``; ``python -m
tests.corpus.fake_openai [port]`` runs one in the foreground.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CREATED = 1_700_000_000
_WORD = re.compile(r"[a-z0-9]+")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def _text(content: Any) -> str:
    """The text of an OpenAI message content (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def _tool_name(tool: dict[str, Any]) -> str:
    return str((tool.get("function") or tool).get("name", ""))


def _tool_params(tool: dict[str, Any]) -> dict[str, Any]:
    return dict((tool.get("function") or tool).get("parameters") or {})


def _explicit_args(text: str, start: int) -> dict[str, Any] | None:
    """A JSON object right after position `start` of `text` (spaces, ':' or '(' allowed before it)."""
    rest = text[start:].lstrip(" :(")
    if not rest.startswith("{"):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(rest)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _filled_args(tool: dict[str, Any], text: str, name: str) -> dict[str, Any]:
    """Required parameters filled from the user text."""
    params = _tool_params(tool)
    props: dict[str, Any] = params.get("properties") or {}
    required = params.get("required") or []
    marker = re.search(re.escape(name) + r"\s*:\s*(.+)", text, flags=re.S)
    string_value = marker.group(1).strip() if marker else text.strip()
    numbers = _NUMBER.findall(text)
    args: dict[str, Any] = {}
    for key in required:
        kind = (props.get(key) or {}).get("type")
        if kind == "integer":
            args[key] = int(float(numbers[0])) if numbers else 0
        elif kind == "number":
            args[key] = float(numbers[0]) if numbers else 0.0
        elif kind == "boolean":
            args[key] = True
        elif kind == "array":
            args[key] = []
        elif kind == "object":
            args[key] = {}
        else:
            args[key] = string_value
    return args


def reply(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The assistant reply for a conversation: ``{"content": str, "tool_calls": [...]}``."""
    tools = tools or []
    convo = [m for m in messages if m.get("role") not in ("system", "developer")]
    last = convo[-1] if convo else {"role": "user", "content": ""}
    if last.get("role") == "tool":
        names: dict[str, str] = {}
        results: list[dict[str, Any]] = []
        for message in reversed(convo):
            if message.get("role") == "tool":
                results.append(message)
                continue
            if message.get("role") == "assistant":
                for call in message.get("tool_calls") or []:
                    names[call.get("id", "")] = (call.get("function") or {}).get("name", "tool")
            break
        quoted = [
            f"{names.get(m.get('tool_call_id', ''), 'tool')} returned: {_text(m.get('content'))}"
            for m in reversed(results)
        ]
        return {"content": "Done. " + "; ".join(quoted), "tool_calls": []}
    user_text = next((_text(m.get("content")) for m in reversed(convo) if m.get("role") == "user"), "")
    if last.get("role") == "user" and tools:
        found: list[tuple[int, dict[str, Any], str]] = []
        for tool in tools:
            name = _tool_name(tool)
            if not name:
                continue
            match = re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", user_text)
            if match:
                found.append((match.start(), tool, name))
        found.sort(key=lambda item: item[0])
        calls = []
        for index, (position, tool, name) in enumerate(found):
            args = _explicit_args(user_text, position + len(name))
            if args is None:
                args = _filled_args(tool, user_text, name)
            calls.append({"id": f"call_{len(messages)}_{index}", "name": name, "arguments": json.dumps(args)})
        if calls:
            return {"content": "", "tool_calls": calls}
    return {"content": f"You said: {user_text}", "tool_calls": []}


def _completion_id(body: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(body.get("messages", []), sort_keys=True).encode()).hexdigest()
    return f"chatcmpl-fake{digest[:16]}"


def _usage(body: dict[str, Any], answer: dict[str, Any]) -> dict[str, int]:
    prompt = sum(len(_text(m.get("content")).split()) for m in body.get("messages", []))
    completion = len(answer["content"].split()) + len(answer["tool_calls"])
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(body: dict[str, Any]) -> dict[str, Any]:
    answer = reply(body.get("messages", []), body.get("tools"))
    message: dict[str, Any] = {"role": "assistant", "content": answer["content"] or None, "refusal": None}
    if answer["tool_calls"]:
        message["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in answer["tool_calls"]
        ]
    return {
        "id": _completion_id(body),
        "object": "chat.completion",
        "created": CREATED,
        "model": body.get("model", "fake-model"),
        "system_fingerprint": "fp_fake",
        "choices": [
            {
                "index": 0,
                "message": message,
                "logprobs": None,
                "finish_reason": "tool_calls" if answer["tool_calls"] else "stop",
            }
        ],
        "usage": _usage(body, answer),
    }


def completion_chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    answer = reply(body.get("messages", []), body.get("tools"))
    base = {
        "id": _completion_id(body),
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": body.get("model", "fake-model"),
        "system_fingerprint": "fp_fake",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}

    chunks = [chunk({"role": "assistant", "content": "", "refusal": None})]
    words = re.findall(r"\S+\s*", answer["content"])
    chunks += [chunk({"content": word}) for word in words]
    for index, call in enumerate(answer["tool_calls"]):
        arguments = call["arguments"]
        half = len(arguments) // 2
        chunks.append(
            chunk(
                {
                    "tool_calls": [
                        {
                            "index": index,
                            "id": call["id"],
                            "type": "function",
                            "function": {"name": call["name"], "arguments": arguments[:half]},
                        }
                    ]
                }
            )
        )
        chunks.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments[half:]}}]}))
    chunks.append(chunk({}, "tool_calls" if answer["tool_calls"] else "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": _usage(body, answer)})
    return chunks


def embed(text: str, dims: int = 1536) -> list[float]:
    """A deterministic unit vector: a signed hashed bag of the text's lowercase words."""
    vector = [0.0] * dims
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dims
        vector[index] += 1.0 if digest[4] % 2 == 0 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]


def embeddings(body: dict[str, Any]) -> dict[str, Any]:
    raw = body.get("input", [])
    if isinstance(raw, str) or (isinstance(raw, list) and raw and isinstance(raw[0], int)):
        raw = [raw]
    dims = int(body.get("dimensions") or 1536)
    data = []
    for index, item in enumerate(raw):
        text = item if isinstance(item, str) else " ".join(f"t{token}" for token in item)
        vector = embed(text, dims)
        encoded: Any = vector
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    tokens = sum(len(str(item).split()) for item in raw)
    return {
        "object": "list",
        "data": data,
        "model": body.get("model", "fake-embedding"),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, value: Any) -> None:
        self._send(status, json.dumps(value).encode(), "application/json")

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?")[0].rstrip("/")
        if path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "fake"}]})
        elif path in ("", "/ok", "/health"):
            self._json(200, {"ok": True})
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError as exc:
            self._json(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
            return
        path = self.path.split("?")[0].rstrip("/")
        with self.server.lock:
            self.server.requests.append({"path": path, "body": body})
        if path.endswith("/chat/completions"):
            if body.get("stream"):
                events = "".join(f"data: {json.dumps(c)}\n\n" for c in completion_chunks(body)) + "data: [DONE]\n\n"
                self._send(200, events.encode(), "text/event-stream")
            else:
                self._json(200, completion(body))
        elif path.endswith("/embeddings"):
            self._json(200, embeddings(body))
        else:
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _Handler)
        self.lock = threading.Lock()
        self.requests: list[dict[str, Any]] = []


class FakeOpenAI:
    """The server on 127.0.0.1 in a background thread; `with FakeOpenAI() as fake: fake.env`."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port))
        self.port = int(self._server.server_address[1])
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()

    @property
    def env(self) -> dict[str, str]:
        """What a process needs to talk to this server through the openai client."""
        return {"OPENAI_API_KEY": "sk-fake", "OPENAI_BASE_URL": self.base_url, "OPENAI_API_BASE": self.base_url}

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._server.lock:
            return list(self._server.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    fake = FakeOpenAI(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(f"OPENAI_API_KEY=sk-fake OPENAI_BASE_URL={fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.close()
