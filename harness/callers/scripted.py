"""The scripted caller: says its persona's lines in order, one per agent turn, deterministically.

The next line is chosen from the conversation itself (how many lines the caller has already said),
so a repeated or preemptive generation for the same turn yields the same line.
"""

from __future__ import annotations

from livekit.agents import NOT_GIVEN, Agent, llm

from ..brains import PolicyLLM, said_by
from ..config import Persona

CALLER_INSTRUCTIONS = """You are a caller phoning a customer-service line. Stay in character.
Who you are: {description}
What you want: {goal}
Say these lines in order, one per turn, adapting only to keep the conversation natural:
{lines}
When your goal is met, say goodbye."""


class ScriptedCaller(Agent):
    def __init__(self, persona: Persona, *, opens_call: bool, own_brain: bool) -> None:
        self.persona = persona
        self._opens_call = opens_call
        lines = "\n".join(f"- {line}" for line in persona.script)
        super().__init__(
            instructions=CALLER_INSTRUCTIONS.format(
                description=persona.description or persona.name, goal=persona.goal, lines=lines
            ),
            llm=PolicyLLM(self.next_line, name=f"script:{persona.name}")
            if own_brain
            else NOT_GIVEN,
        )

    def next_line(self, chat_ctx: llm.ChatContext) -> str | None:
        already_said = len(said_by(chat_ctx, "assistant"))
        script = self.persona.script
        return script[already_said] if already_said < len(script) else None

    async def on_enter(self) -> None:
        if self._opens_call:
            self.session.generate_reply()


def build_caller(persona: Persona, *, opens_call: bool, own_brain: bool) -> ScriptedCaller:
    return ScriptedCaller(persona, opens_call=opens_call, own_brain=own_brain)
