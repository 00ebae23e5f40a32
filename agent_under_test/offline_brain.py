"""The offline responder's brain: a deterministic dialogue policy in place of a realtime model.

It answers from the conversation and from what the runtime put in `Conversation`: thinker
results not yet spoken (said at once, after "thanks for waiting" if a filler went first),
guidance from policies and guardrails (said now, or folded into the next reply), a filler while
the thinker works, and a few rules for small talk. Same `llm.LLM` seam as a real model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crosstalk_harness.brains import said_by
from livekit.agents import llm

from . import intents
from .conversation import Conversation

GREETING = "Thank you for calling Acme Outfitters, this is Ava. How can I help you today?"
GOODBYE = "You're welcome. Thanks for calling Acme Outfitters. Goodbye!"

_ASK_ORDER_NUMBER = "I can help with that. What is your order number?"
_RULES = (
    (
        re.compile(r"\be-?mail\b", re.I),
        "Thanks, I have noted your email address for updates. Anything else?",
    ),
    (re.compile(r"\b(order|package|parcel|delivery)\b", re.I), _ASK_ORDER_NUMBER),
    (re.compile(r"\b(hello|hi|hey)\b", re.I), "Hello! How can I help you today?"),
)


@dataclass
class ResponderBrain:
    conversation: Conversation
    filler: str

    def reply(self, chat_ctx: llm.ChatContext) -> str | None:
        conv = self.conversation
        heard = said_by(chat_ctx, "user")
        urgent = conv.take_guidance(now=True)
        if urgent:
            return " ".join(dict.fromkeys(g.say for g in urgent))
        results = conv.unspoken_results()
        if results:
            opening = "Thanks for waiting. " if any(r.late for r in results) else ""
            parts = [opening + " ".join(r.say for r in results)]
        elif not heard:
            parts = [GREETING]
        elif conv.jobs_in_flight:
            parts = [self.filler]
        else:
            parts = [self._answer(heard[-1])]
        parts += [g.say for g in conv.take_guidance(now=False)]
        return " ".join(parts)

    def _answer(self, last: str) -> str:
        if intents.says_goodbye(last):
            return GOODBYE
        for pattern, reply in _RULES:
            if pattern.search(last):
                return reply
        return "Sorry, I did not catch that. Could you say it again?"
