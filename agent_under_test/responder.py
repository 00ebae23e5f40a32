"""The responder: the realtime voice agent that owns the conversation with the caller."""

from __future__ import annotations

from livekit.agents import NOT_GIVEN, Agent

from harness.brains import PolicyLLM

from .policy import reply_to

INSTRUCTIONS = """You are Ava, the voice agent of Acme Outfitters, a clothing retailer.
Greet the caller, find out what they need, and help with orders, deliveries, returns and store
hours. Ask for the order number before discussing an order. Keep every reply to one or two short
spoken sentences. Never invent order details."""


class Responder(Agent):
    def __init__(self, *, offline_brain: bool) -> None:
        super().__init__(
            instructions=INSTRUCTIONS,
            llm=PolicyLLM(reply_to, name="acme-rules") if offline_brain else NOT_GIVEN,
        )

    async def on_enter(self) -> None:
        self.session.generate_reply()
