"""Deterministic brains as livekit-agents LLMs: a policy function from the chat so far to a reply.

The offline stack has no language model, so each side's `Agent` brings one of these instead; to
livekit-agents it is an ordinary `llm.LLM`, so turn-taking and interruptions work as with a model.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from livekit.agents import APIConnectOptions, llm, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

Policy = Callable[[llm.ChatContext], str | None | Awaitable[str | None]]


def said_by(chat_ctx: llm.ChatContext, role: str) -> list[str]:
    """The text of every message of `role` in the conversation so far, in order."""
    return [
        item.text_content or ""
        for item in chat_ctx.items
        if isinstance(item, llm.ChatMessage) and item.role == role
    ]


class PolicyLLM(llm.LLM):
    """An `llm.LLM` whose reply is `policy(chat_ctx)` (awaited if need be), streamed as one chunk.

    None says nothing; a policy may take its time (a caller's stall), and is cancelled like any
    generation when the other side starts talking.
    """

    def __init__(self, policy: Policy, *, name: str) -> None:
        super().__init__()
        self._policy = policy
        self._name = name

    @property
    def model(self) -> str:
        return self._name

    @property
    def provider(self) -> str:
        return "crosstalk-policy"

    def chat(
        self,
        *,
        chat_ctx: llm.ChatContext,
        tools: list[llm.Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        **_: Any,
    ) -> llm.LLMStream:
        return _PolicyStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _PolicyStream(llm.LLMStream):
    def __init__(self, policy_llm: PolicyLLM, **kwargs: Any) -> None:
        super().__init__(policy_llm, **kwargs)
        self._policy = policy_llm._policy

    async def _run(self) -> None:
        reply = self._policy(self._chat_ctx)
        if inspect.isawaitable(reply):
            reply = await reply
        if reply:
            self._event_ch.send_nowait(
                llm.ChatChunk(
                    id=utils.shortuuid("policy_"),
                    delta=llm.ChoiceDelta(role="assistant", content=reply),
                )
            )
