"""A deterministic, offline tool-calling chat model so the bundled agent needs no key or network."""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

_CITY = re.compile(r"\bin\s+([A-Za-z][A-Za-z .'-]*?)\s*[?.!]*$", re.IGNORECASE)


def _city(text: str) -> str:
    match = _CITY.search(text.strip())
    return match.group(1).strip() if match else "sf"


class OfflineToolCallingModel(BaseChatModel):
    """First turn: call the first bound tool with the city asked about; after a tool result: answer."""

    tool_names: list[str] = []

    @property
    def _llm_type(self) -> str:
        return "offline-tool-calling"

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> "OfflineToolCallingModel":
        names = [getattr(t, "name", None) or getattr(t, "__name__", str(t)) for t in tools]
        return self.model_copy(update={"tool_names": names})

    def _respond(self, messages: list[BaseMessage]) -> AIMessage:
        last = messages[-1] if messages else HumanMessage("")
        if isinstance(last, ToolMessage):
            asked = next((m for m in reversed(messages) if isinstance(m, HumanMessage)), HumanMessage(""))
            return AIMessage(content=f"The weather in {_city(str(asked.content))}: {last.content}")
        if not self.tool_names:
            return AIMessage(content=f"You said: {last.content}")
        turn = sum(1 for m in messages if isinstance(m, AIMessage))
        return AIMessage(
            content="",
            tool_calls=[
                {
                    "name": self.tool_names[0],
                    "args": {"city": _city(str(last.content))},
                    "id": f"call_{turn}",
                    "type": "tool_call",
                }
            ],
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages))])

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return self._generate(messages, stop)

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[ChatGenerationChunk]:
        """The response in pieces, as a provider streams it: words of the answer, or one tool-call chunk."""
        response = self._respond(messages)
        if response.tool_calls:
            call_chunks = [
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i, "type": "tool_call_chunk"}
                for i, c in enumerate(response.tool_calls)
            ]
            yield ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=call_chunks))
            return
        words = str(response.content).split(" ")
        for i, word in enumerate(words):
            yield ChatGenerationChunk(message=AIMessageChunk(content=word if i == 0 else " " + word))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages):
            if run_manager is not None:
                run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        # OFFLINE_MODEL_WORD_DELAY_MS paces the words, as a real model's tokens arrive (a chat UI
        # demo, and the browser tests that watch an answer grow).
        delay = float(os.environ.get("OFFLINE_MODEL_WORD_DELAY_MS") or 0) / 1000
        for i, chunk in enumerate(self._chunks(messages)):
            if delay and i:
                await asyncio.sleep(delay)
            if run_manager is not None:
                await run_manager.on_llm_new_token(str(chunk.message.content), chunk=chunk)
            yield chunk
