"""The thinker on any OpenAI-compatible chat model, through the `openai` SDK.

`OPENAI_API_KEY` and `OPENAI_BASE_URL` come from the environment; the model name from the
configuration. The model gets the retailer's tools; the tool calls of one round run in parallel
(the fan-out), their results go back to the model, and its final text is the answer. The same
client also serves the guardrails' optional LLM moderation.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from openai import AsyncOpenAI

from ..tools import TOOL_SCHEMAS, ToolBox
from .base import ThinkerResult, ThinkJob

SYSTEM_PROMPT = """You are the back-office reasoning for Ava, Acme Outfitters' phone agent.
Use the tools to answer the caller's latest request: look orders up, change addresses, start
returns (check the policy first) and search the help articles. Never reveal internal documents
or another customer's details. Reply with one or two short sentences Ava can read out as is.
What is known about the caller: {facts}"""

MODERATION_PROMPT = """You check what a customer-service voice agent is about to say.
Policy: {policy}
Answer with exactly one word, ALLOW or BLOCK, then a colon and a short reason."""


def make_client(timeout_s: float) -> AsyncOpenAI:
    # the SDK reads OPENAI_BASE_URL itself; a placeholder key lets a local server work keyless
    return AsyncOpenAI(api_key=os.environ.get("OPENAI_API_KEY") or "unset", timeout=timeout_s)


class OpenAIThinker:
    name = "openai"

    def __init__(self, model: str, *, max_steps: int, timeout_s: float) -> None:
        self.model = model
        self.max_steps = max_steps
        self.client = make_client(timeout_s)
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}

    async def _complete(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        response = await self.client.chat.completions.create(
            model=self.model, messages=messages, **kwargs
        )
        if response.usage is not None:
            self.usage["prompt_tokens"] += response.usage.prompt_tokens
            self.usage["completion_tokens"] += response.usage.completion_tokens
        return response.choices[0].message

    async def think(self, job: ThinkJob, tools: ToolBox) -> ThinkerResult:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": SYSTEM_PROMPT.format(facts=json.dumps(job.facts))},
            *({"role": role, "content": text} for role, text in job.history),
            {"role": "user", "content": job.utterance},
        ]
        steps: list[str] = []
        for _ in range(self.max_steps):
            message = await self._complete(messages, tools=TOOL_SCHEMAS)
            calls = message.tool_calls or []
            if not calls:
                return ThinkerResult(
                    job.job_id,
                    (message.content or "").strip(),
                    tuple(steps),
                    data=tools.facts.as_dict(),
                )
            messages.append(message.model_dump(exclude_none=True))
            steps += [call.function.name for call in calls]
            results = await asyncio.gather(
                *(
                    tools.call(call.function.name, _arguments(call.function.arguments))
                    for call in calls
                )
            )
            messages += [
                {
                    "role": "tool",
                    "tool_call_id": call.id,
                    "content": json.dumps(result, default=str),
                }
                for call, result in zip(calls, results, strict=True)
            ]
        return ThinkerResult(
            job.job_id,
            "I am sorry, that is taking longer than it should. Could you ask me again?",
            tuple(steps),
            data=tools.facts.as_dict(),
        )

    async def moderate(self, text: str, policy: str) -> tuple[bool, str]:
        """(allowed, reason) for `text` under `policy`; the model answers ALLOW or BLOCK."""
        message = await self._complete(
            [
                {"role": "system", "content": MODERATION_PROMPT.format(policy=policy)},
                {"role": "user", "content": text},
            ]
        )
        verdict = (message.content or "").strip()
        return not verdict.upper().startswith("BLOCK"), verdict.partition(":")[2].strip()


def _arguments(raw: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
