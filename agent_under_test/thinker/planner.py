"""The offline thinker: a deterministic planner over the same tools a chat model would call.

It reads the caller's turn (numbers, addresses, intents), makes a short plan and runs it;
independent steps fan out in parallel (the order lookup beside the policy-checker sub-agent)
and their results are merged into one answer. Same interface as the OpenAI thinker.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .. import intents
from ..tools import ToolBox
from .base import ThinkerResult, ThinkJob

_MIN_KNOWLEDGE_SCORE = 1.5
_CLOSE_SECOND = 0.8
# the read-back before an address changes; its answer confirms or corrects it
_READ_BACK = re.compile(r"should now go to (.+?)\. " + re.escape(intents.READ_BACK_QUESTION))
_WANTS_TO_RETURN = re.compile(
    r"\b(want|like|need|would)\b.*\b(return|send (it|them) back)\b|\bstart a return\b", re.I
)


def spoken_digits(number: str) -> str:
    return " ".join(number)


class PlannerThinker:
    name = "planner"

    async def think(self, job: ThinkJob, tools: ToolBox) -> ThinkerResult:
        plan = _Plan(job, tools)
        say = await plan.run()
        return ThinkerResult(
            job_id=job.job_id,
            say=say,
            steps=tuple(plan.steps),
            sources=tuple(plan.sources),
            data=tools.facts.as_dict(),
        )


class _Plan:
    def __init__(self, job: ThinkJob, tools: ToolBox) -> None:
        self.text = job.utterance
        self.history = job.history
        self.tools = tools
        self.steps: list[str] = []
        self.sources: list[str] = []

    async def call(self, name: str, **arguments: Any) -> dict[str, Any]:
        self.steps.append(name)
        return await self.tools.call(name, arguments)

    async def run(self) -> str:
        text = self.text
        greeting = ""
        if phone := intents.phone_number(text):
            customer = await self.call("lookup_customer", phone=phone)
            if customer.get("found"):
                greeting = f"Thanks {customer['name'].split()[0]}, I have found your account. "
            else:
                greeting = "I could not find an account with that phone number. "
        order = intents.order_number(text)
        new_address = intents.address(text) or self.address_answer()
        read_back = _READ_BACK.search(self.last_agent_said())
        if read_back and intents.confirms(text) and not new_address:
            return greeting + await self.change_address(order, read_back.group(1))
        if new_address:
            # numbers and addresses are read back before anything changes: a mishearing
            # becomes a repair turn ("no, 12 Baker Street"), not a silent wrong write
            return greeting + self.read_back(order, new_address, again=read_back is not None)
        if read_back and intents.confirms(text) is False:
            return "Sorry about that. What is the new address?"
        if intents.wants_return(text) and (order or _WANTS_TO_RETURN.search(text)):
            return greeting + await self.start_return(order)
        if intents.wants_address_change(text):
            return greeting + await self.address_change_possible(order)
        if order:
            return greeting + await self.order_status(order)
        if greeting:
            return greeting + "How can I help you today?"
        return await self.answer_from_knowledge()

    def last_agent_said(self) -> str:
        return next((said for role, said in reversed(self.history) if role == "assistant"), "")

    def address_answer(self) -> str | None:
        """The caller's words as the address, when the agent has just asked for one or read
        one back (a correction: "no, 12 Baker Street", however it was heard)."""
        last = self.last_agent_said()
        if "address?" not in last.lower() and not _READ_BACK.search(last):
            return None
        return intents.loose_address(self.text)

    def read_back(self, order: str | None, new_address: str, *, again: bool) -> str:
        order_id = self.known_order(order)
        if order_id is None:
            return f"Which order should go to {new_address}? Could you give me the order number?"
        sorry = "Sorry about that. " if again else ""
        return (
            f"{sorry}Just to confirm, order {spoken_digits(order_id)} should now go to "
            f"{new_address}. {intents.READ_BACK_QUESTION}"
        )

    def known_order(self, order: str | None) -> str | None:
        return order or self.tools.facts.order_id

    async def order_status(self, order_id: str) -> str:
        order = await self.call("lookup_order", order_id=order_id)
        number = spoken_digits(order_id)
        if not order.get("found"):
            return f"I could not find order {number}. Could you read the number again?"
        if "error" in order:
            return f"I am sorry, order {number} is not on your account, so I cannot discuss it."
        return f"Order {number} {order['status_note']}, to {order['address']}. Anything else?"

    async def address_change_possible(self, order: str | None) -> str:
        order_id = self.known_order(order)
        if order_id is None:
            return "I can help with that. What is the order number?"
        verdict = await self.call("check_policy", action="change_address", order_id=order_id)
        if verdict.get("allowed"):
            # the order the caller named is the one the new address is for (the next turn
            # gives only the address)
            self.tools.facts.order_id = order_id
            return (
                "Yes, it has not been delivered yet, so I can still change the address. "
                "What is the new address?"
            )
        return f"I am sorry, I cannot change the address: the order is {verdict.get('reason')}."

    async def change_address(self, order: str | None, new_address: str) -> str:
        order_id = self.known_order(order)
        if order_id is None:
            return f"Which order should go to {new_address}? Could you give me the order number?"
        changed = await self.call("change_address", order_id=order_id, new_address=new_address)
        if changed.get("changed"):
            number = spoken_digits(order_id)
            return (
                f"Done, the delivery address is updated: order {number} will now go to "
                f"{new_address}. Anything else?"
            )
        return f"I am sorry, I could not change the address: {changed.get('reason')}."

    async def start_return(self, order: str | None) -> str:
        order_id = self.known_order(order)
        if order_id is None:
            return "I can start a return. What is the order number?"
        # fan out: the order itself and the policy checker, in parallel, then merge
        self.steps.append("fan_out")
        found, verdict = await asyncio.gather(
            self.call("lookup_order", order_id=order_id),
            self.call("check_policy", action="return", order_id=order_id),
        )
        if not found.get("found") or "error" in found:
            return f"I am sorry, I cannot find order {spoken_digits(order_id)} on your account."
        if not verdict.get("allowed"):
            return f"I am sorry, that order cannot be returned: it was {verdict.get('reason')}."
        started = await self.call("start_return", order_id=order_id, reason="caller request")
        if not started.get("started"):
            return f"I am sorry, I could not start the return: {started.get('reason')}."
        return "I have started the return and emailed you a free returns label. Anything else?"

    async def answer_from_knowledge(self) -> str:
        found = await self.call("search_knowledge", query=self.text)
        hits = [hit for hit in found.get("hits", []) if hit["score"] >= _MIN_KNOWLEDGE_SCORE]
        if not hits:
            return "I am sorry, I am not sure about that. Could you put it another way?"
        best = hits[0]
        # a close second from the same article completes the answer (weekdays and Sundays)
        close = [
            hit
            for hit in hits[1:2]
            if hit["document"] == best["document"] and hit["score"] >= _CLOSE_SECOND * best["score"]
        ]
        self.sources = [best["document"]]
        return " ".join(hit["text"] for hit in self.in_document_order([best, *close]))

    def in_document_order(self, hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
        order = [p.text for p in self.tools.knowledge.passages]
        return sorted(hits, key=lambda hit: order.index(hit["text"]))
