"""The offline brain of the reference agent: a small rule-based dialogue policy for a retailer.

It stands in for a language model when no model is reachable: greets, asks for what it needs,
looks orders up in a small catalogue and closes the call. Same `llm.LLM` seam as a real model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from livekit.agents import llm

from harness.brains import said_by

GREETING = "Thank you for calling Acme Outfitters, this is Ava. How can I help you today?"

ORDERS = {
    "42791": "shipped yesterday and should arrive on Friday",
    "10358": "is being packed and will ship tomorrow",
    "77120": "was delivered on Monday to the front desk",
}


@dataclass(frozen=True)
class Rule:
    pattern: re.Pattern[str]
    reply: str


RULES = (
    Rule(
        re.compile(r"\b(bye|goodbye|that is all|that's all)\b"),
        "You're welcome. Thanks for calling Acme Outfitters. Goodbye!",
    ),
    Rule(
        re.compile(
            r"\b(address|deliver (it|them) to)\b.*\b(change|update|new)\b"
            r"|\b(change|update)\b.*\baddress\b"
        ),
        "Yes, I can update the delivery address. What is the new address?",
    ),
    Rule(
        re.compile(r"\b(street|road|avenue|lane|drive)\b"),
        "Done. The delivery address is updated. Is there anything else I can help with?",
    ),
    Rule(
        re.compile(r"\b(return|refund)\b"),
        "Returns are free within thirty days. Would you like me to start a return?",
    ),
    Rule(
        re.compile(r"\b(hours|open|close)\b"),
        "Our stores are open from nine to six, Monday to Saturday.",
    ),
    Rule(
        re.compile(r"\b(order|package|parcel|delivery)\b"),
        "I can help with that. What is your order number?",
    ),
)


def _spoken_digits(number: str) -> str:
    return " ".join(number)


def reply_to(chat_ctx: llm.ChatContext) -> str:
    """The agent's next line, given the conversation so far."""
    heard = said_by(chat_ctx, "user")
    if not heard:
        return GREETING
    last = heard[-1].lower()
    digits = re.sub(r"[^\d]", "", last)
    if len(digits) >= 4:
        status = ORDERS.get(digits)
        if status:
            return f"Thanks. Order {_spoken_digits(digits)} {status}. Anything else?"
        return f"I could not find order {_spoken_digits(digits)}. Could you read the number again?"
    for rule in RULES:
        if rule.pattern.search(last):
            return rule.reply
    return "Sorry, I did not catch that. Could you say it again?"
