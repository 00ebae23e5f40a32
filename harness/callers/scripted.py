"""The scripted caller: says its persona's lines in order, deterministically (the CI default).

The next line is the first not yet said whose `when` matches what the agent just said (as the
caller heard it). Choosing does not advance the script: only a line actually said does, so a
repeated or preemptive generation for the same turn yields the same line. A line is offered only
once the agent has started a new utterance since the caller's last line, so a barge-in is not
followed by the next line before the agent answers it. `stall_s` (and the persona's
`reaction_s`) are silences counted from the end of the agent's speech as heard. The caller
answers what it understood: it waits (up to `_UNDERSTAND_WAIT_S`) until its own speech
recognition has caught up with the agent's speech as heard, so a slow transcript of the agent's
last words cannot arrive while the caller is already answering an earlier part. After a holding
phrase ("let me check that for you") the caller waits up to `hold_s` for the answer, as a person
on the phone does, instead of talking into the agent's next sentence. Every such deliberate
wait (reaction, stall, hold, listening while the agent talks on) is reported as `caller_waited`,
so the caller's measured lag is its processing only. On a backend
that brings its own model (realtime), the model words the lines: a line counts as said when
what the model said matches it closely enough, in order.
"""

from __future__ import annotations

import asyncio
import difflib
import re

from livekit.agents import NOT_GIVEN, llm

from ..backends.voices import VoiceShift
from ..brains import PolicyLLM, said_by
from ..config.persona import line_tones
from .base import CallerContext, SimulatedCaller
from .spoken import render_line
from .turn_taking import PlannedLine, TurnTaking

_SAID_RATIO = 0.6
_UNDERSTAND_WAIT_S = 3.0
_UNDERSTAND_MAX_S = 20.0
_POLL_S = 0.05
# what an agent says when the answer is still on its way
_HOLDING = re.compile(
    r"\b(let me (check|look|see|find|pull)|one moment|just a (moment|second|sec)"
    r"|bear(ing)? with me|hold on|please hold|give me a (moment|second|sec)|checking)\b",
    re.IGNORECASE,
)


def _last_sentence(text: str) -> str:
    sentences = [part for part in re.split(r"[.?!]+", text) if part.strip()]
    return sentences[-1] if sentences else text


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


CALLER_INSTRUCTIONS = """You are a caller phoning a customer-service line. Stay in character.
Who you are: {description}
What you want: {goal}
Say these lines in order, one per turn, adapting only to keep the conversation natural:
{lines}
When your goal is met, say goodbye."""


class ScriptedCaller(SimulatedCaller):
    def __init__(self, ctx: CallerContext) -> None:
        persona = ctx.persona
        lines = "\n".join(f"- {line.say}" for line in persona.script)
        super().__init__(
            ctx,
            instructions=CALLER_INSTRUCTIONS.format(
                description=persona.description or persona.name, goal=persona.goal, lines=lines
            ),
            llm=PolicyLLM(self.next_line, name=f"script:{persona.name}")
            if ctx.own_brain
            else NOT_GIVEN,
        )
        self.script = persona.script
        self._cursor = 0  # index of the first line not yet said
        self._offered: int | None = None
        self._offered_at: float | None = None
        self._last_line_at: float | None = None
        self._stalled: set[int] = set()
        self._heard: list[tuple[float, str]] = []  # (arrived at, text): the agent, as understood
        self._aside_task: asyncio.Task[None] | None = None
        self.turn_taking = TurnTaking(self, self, persona.turn_taking)

    # -- choosing -------------------------------------------------------------------------------

    def rendered(self, index: int) -> str:
        """Line `index` as spoken, with the persona's fillers, hesitations and pauses (same every
        time); an aside or a line with pauses is registered to be spoken so."""
        rng = self.ctx.rng("speech", index)
        spoken = render_line(self.script[index], self.ctx.persona.speech, rng, index)
        return self.plan_speech(spoken)

    def foreseen_lines(self) -> list[str]:
        return [self.rendered(index) for index in range(len(self.script))]

    def line_tones(self) -> dict[str, VoiceShift]:
        """Each line's delivery, by the text it is spoken as (the persona's `tone`)."""
        if self.ctx.persona.tone is None and not any(line.tone for line in self.script):
            return {}
        shifts = line_tones(self.ctx.persona)
        return {self.rendered(index): shift for index, shift in enumerate(shifts)}

    def _candidate(self, agent_said: str) -> int | None:
        for index in range(self._cursor, len(self.script)):
            condition = self.script[index].when
            if condition is None or re.search(condition, agent_said, re.IGNORECASE):
                return index
            self.ctx.report("caller_line_skipped", {"line": index, "when": condition})
        return None

    def _agent_spoke_since_my_last_line(self) -> bool:
        started = self.ctx.hearing.started_at
        if self._last_line_at is None:
            return True
        return started is not None and started > self._last_line_at

    async def next_line(self, chat_ctx: llm.ChatContext) -> str | None:
        if self.state.done or not self._agent_spoke_since_my_last_line():
            return None
        while True:
            # what the agent said since my last line, as understood by now (livekit may ask for
            # this reply on the first part of a turn the agent goes on with)
            await self._until_understood()
            since = self._last_line_at if self._last_line_at is not None else float("-inf")
            recent = [text for at, text in self._heard if at > since]
            agent_turns = said_by(chat_ctx, "user")
            agent_said = " ".join(recent) or (agent_turns[-1] if agent_turns else "")
            index = self._candidate(agent_said)
            if index is None:
                self.finish(goal_achieved=None, reason="the script is finished")
                return None
            last_words = _last_sentence(recent[-1] if recent else agent_said)
            if not _HOLDING.search(last_words) or not await self._held_until_answered(index):
                break  # nothing to wait for, or waited long enough: answer
        await self._pause_before(index)
        self._offer(index)
        return self.rendered(index)

    def _on_transcribed(self, event: object) -> None:
        text = (getattr(event, "transcript", "") or "").strip()
        if getattr(event, "is_final", False) and text:
            self._heard.append((self.ctx.clock(), text))

    async def _until_understood(self) -> None:
        """Wait while the agent talks on, then until its last words (as heard) are transcribed.

        Bounded: `_UNDERSTAND_WAIT_S` after the agent's speech ended, a missing transcript (noise
        taken for speech) no longer holds the caller back, and `_UNDERSTAND_MAX_S` in all, should
        noise on the line sound like talk that never ends.
        """
        hearing = self.ctx.hearing
        give_up_at = self.ctx.clock() + _UNDERSTAND_MAX_S  # a line that never goes quiet
        listening_since: float | None = None  # the agent talks on: a wait, not the caller's lag
        try:
            while self.ctx.clock() < give_up_at:
                if hearing.speaking and listening_since is None:
                    listening_since = self.ctx.clock()
                if not hearing.speaking:
                    if listening_since is not None:
                        self.report_wait("listening", listening_since)
                        listening_since = None
                    heard_end = hearing.ended_at
                    if heard_end is None or self.ctx.clock() >= heard_end + _UNDERSTAND_WAIT_S:
                        return
                    if self._heard and self._heard[-1][0] >= heard_end:
                        return
                await asyncio.sleep(_POLL_S)
        finally:
            if listening_since is not None:
                self.report_wait("listening", listening_since)

    def _agent_stopped_at(self) -> float:
        """When the agent's speech last ended as heard (now, if it has not spoken yet)."""
        ended = self.ctx.hearing.ended_at
        return ended if ended is not None else self.ctx.clock()

    async def _pause_before(self, index: int) -> None:
        after_agent = self._agent_stopped_at()
        reaction = self.ctx.persona.turn_taking.reaction_s
        if reaction:
            await self.wait_on_purpose("reaction", after_agent + reaction)
        stall = self.script[index].stall_s
        if stall and index not in self._stalled:
            self._stalled.add(index)  # a stall cut short by the agent is not repeated
            began = self.ctx.clock()
            try:
                await self.wait_on_purpose("stall", after_agent + stall)
            except asyncio.CancelledError:
                self._record_stall(index, after_agent, began, completed=False)
                raise
            self._record_stall(index, after_agent, began, completed=True)

    async def _held_until_answered(self, index: int) -> bool:
        """The agent said it is checking: wait up to `hold_s` for it to come back.

        True when it came back (its answer is then understood and the line chosen again), False
        when the wait ran out and the caller speaks up.
        """
        hearing = self.ctx.hearing
        after_agent = self._agent_stopped_at()
        hold_s = self.ctx.persona.turn_taking.hold_s
        if hold_s <= 0:
            return False
        began = self.ctx.clock()
        came_back = False
        while not came_back and self.ctx.clock() < after_agent + hold_s:
            await asyncio.sleep(_POLL_S)
            came_back = hearing.speaking
        held = {
            "line": index,
            "hold_s": hold_s,
            "from_s": round(after_agent, 3),
            "began_s": round(began, 3),
            "until_s": round(self.ctx.clock(), 3),
            "completed": not came_back,
        }
        self.ctx.report("caller_held", held)
        self.report_wait("hold", began)
        return came_back

    def _record_stall(self, index: int, after: float, began: float, *, completed: bool) -> None:
        stall = {
            "line": index,
            "stall_s": self.script[index].stall_s,
            "from_s": round(after, 3),
            "until_s": round(self.ctx.clock(), 3),
            "completed": completed,
        }
        self.state.stalls.append(stall)
        self.ctx.report("caller_stall", stall)

    def _offer(self, index: int) -> None:
        self._offered = index
        self._offered_at = self.ctx.clock()

    # -- barge-ins ------------------------------------------------------------------------------

    def planned_interrupt(self) -> PlannedLine | None:
        """The line to say over the agent's utterance that just started, if the script says so."""
        if self.state.done or self._cursor >= len(self.script):
            return None
        line = self.script[self._cursor]
        if line.interrupt is None:
            return None
        text = self.rendered(self._cursor)
        return PlannedLine(self._cursor, text, line.interrupt.delay_s(), line.aside)

    def next_line_for_barge_in(self) -> PlannedLine | None:
        """The next line, for a persona that barges in on its own (probability-driven)."""
        if self.state.done or self._cursor >= len(self.script):
            return None
        line = self.script[self._cursor]
        return PlannedLine(self._cursor, self.rendered(self._cursor), 0.0, line.aside)

    def about_to_barge_in(self, index: int) -> None:
        self._offer(index)

    # -- bookkeeping ----------------------------------------------------------------------------

    def _said_line(self, text: str) -> int | None:
        """The first line not yet said that `text` says (a realtime model words it its own way)."""
        said = _words(text)
        for index in range(self._cursor, len(self.script)):
            line = _words(self.script[index].say)
            if line and difflib.SequenceMatcher(None, line, said).ratio() >= _SAID_RATIO:
                return index
        return None

    def _on_item(self, event: object) -> None:
        item = getattr(event, "item", None)
        if not isinstance(item, llm.ChatMessage) or item.role != "assistant":
            return
        if not self.ctx.own_brain:  # the backend's model chose the words: count what it said
            self._offered = self._said_line(item.text_content or "")
            self._offered_at = self.ctx.clock()
        if self._offered is None:
            return
        said = self._offered
        self._cursor = said + 1
        if not self.script[said].aside:  # the agent is not meant to answer an aside
            self._last_line_at = self._offered_at
        self._offered = None
        self.state.lines_said += 1
        if self._cursor >= len(self.script):
            self.finish(goal_achieved=None, reason="said the last line of the script")
        elif self.script[said].aside:
            self._go_on_after_aside()

    def _go_on_after_aside(self) -> None:
        """After an aside said between turns, the caller goes on with its script unless the
        agent answers (starts speaking) within the aside's `wait_s`."""
        if self.ctx.hearing.speaking:
            return  # said over the agent: the caller answers when the agent's turn is over
        said_at = self.ctx.clock()

        async def _wait_then_go_on() -> None:
            await self.wait_on_purpose("aside", said_at + self.ctx.persona.speech.aside.wait_s)
            started = self.ctx.hearing.started_at
            if not self.state.done and (started is None or started < said_at):
                self.session.generate_reply()

        self._aside_task = asyncio.get_running_loop().create_task(_wait_then_go_on())

    async def on_exit(self) -> None:
        if self._aside_task is not None:
            self._aside_task.cancel()

    async def on_enter(self) -> None:
        self.session.on("conversation_item_added", self._on_item)
        self.session.on("user_input_transcribed", self._on_transcribed)
        self.turn_taking.attach()
        if self.ctx.opens_call:
            self.session.generate_reply()
