"""What every simulated caller shares: its context in the call, its end-of-call state, its voice.

A caller brain is a livekit `Agent` subclass of `SimulatedCaller`. It reports its own end
(`finish`), which the runner turns into a `caller_done` event (the call then winds down) and
`caller_state.json`. Lines said over the agent (barge-ins, backchannels) are synthesised ahead
with the caller's own TTS, so they land when the caller decides and not a synthesis later.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterable, AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from livekit import rtc
from livekit.agents import Agent, ModelSettings

from ..backends.voices import VoiceShift
from ..config import Persona, Scenario
from ..probes.pauses import words_key
from .hearing import HeardSpeech
from .spoken import SpokenLine, assemble, duration_s, turned_away

Report = Callable[[str, dict[str, Any]], None]


@dataclass
class CallerContext:
    persona: Persona
    scenario: Scenario
    scenario_dir: Path
    opens_call: bool
    own_brain: bool
    clock: Callable[[], float]
    hearing: HeardSpeech
    report: Report
    seed: int = 0

    def rng(self, *purpose: object) -> random.Random:
        """A generator of its own per purpose, so one behaviour's draws never shift another's."""
        return random.Random(repr((self.seed, self.persona.name, *purpose)))


@dataclass
class CallerState:
    """The caller's own view of how the call went (caller_state.json)."""

    goal_achieved: bool | None = None
    ended_by: str | None = None
    reason: str = ""
    lines_said: int = 0
    barge_ins: list[dict[str, Any]] = field(default_factory=list)
    backchannels: list[dict[str, Any]] = field(default_factory=list)
    stalls: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document.pop("done")
        return {"schema": "crosstalk.caller_state/1", **document}


class SimulatedCaller(Agent):
    """Base of the caller brains: state, reporting and speaking over the other side."""

    def __init__(self, ctx: CallerContext, **agent_kwargs: Any) -> None:
        super().__init__(**agent_kwargs)
        self.ctx = ctx
        self.state = CallerState()
        self._planned: dict[tuple[str, ...], SpokenLine] = {}  # lines with pauses or asides

    def plan_speech(self, spoken: SpokenLine) -> str:
        """Say `spoken` with its pauses and as an aside when livekit speaks its text; its text."""
        if spoken.pauses or spoken.aside:
            self._planned[words_key(spoken.text)] = spoken
        return spoken.text

    def finish(self, *, goal_achieved: bool | None, reason: str) -> None:
        """The caller is done with the call (said once; later calls are ignored)."""
        if self.state.done:
            return
        self.state.done = True
        self.state.goal_achieved = goal_achieved
        self.state.ended_by = "caller"
        self.state.reason = reason
        self.ctx.report("caller_done", {"goal_achieved": goal_achieved, "reason": reason})

    def foreseen_lines(self) -> list[str]:
        """Lines this caller may say whatever the agent does, worded as it will say them (its
        voice can render them before the call's clock starts); none unless scripted."""
        return []

    def line_tones(self) -> dict[str, VoiceShift]:
        """The delivery of each line this caller will say, by its text (none: its own voice)."""
        return {}

    async def synthesize(self, text: str) -> list[rtc.AudioFrame]:
        """`text` in the caller's voice, ready to play at once."""
        spoken = self._planned.get(words_key(text))
        if spoken is None:
            return await self._synthesize_words(text)
        parts = [await self._synthesize_words(words) for words, _ in spoken.parts]
        frames, pauses = assemble(spoken, parts)
        if spoken.aside:
            frames = turned_away(frames, self.ctx.persona.speech.aside)
        plan = {"line": spoken.line, "text": spoken.text}
        if pauses:  # the plan the pause probe reads (probes/pauses.py)
            duration = round(duration_s(frames), 4)
            self.ctx.report(
                "caller_turn_pauses", {**plan, "pauses": pauses, "duration_s": duration}
            )
        if spoken.aside:
            wait_s = self.ctx.persona.speech.aside.wait_s
            self.ctx.report("caller_aside", {**plan, "wait_s": wait_s})
        return frames

    async def _synthesize_words(self, text: str) -> list[rtc.AudioFrame]:
        tts = self.session.tts
        if tts is None:
            raise RuntimeError("this caller's backend has no TTS to speak over the agent with")
        frames: list[rtc.AudioFrame] = []
        async with tts.synthesize(text) as stream:
            async for chunk in stream:
                frames.append(chunk.frame)
        return frames

    async def tts_node(  # type: ignore[override]
        self, text: AsyncIterable[str], model_settings: ModelSettings
    ) -> AsyncIterator[rtc.AudioFrame]:
        """A planned line (pauses, aside) is spoken as planned, anything else as livekit does."""
        if not self._planned:
            async for frame in Agent.default.tts_node(self, text, model_settings):
                yield frame
            return
        said = "".join([chunk async for chunk in text])
        if words_key(said) in self._planned:
            for frame in await self.synthesize(said):
                yield frame
            return

        async def _again() -> AsyncIterator[str]:
            yield said

        async for frame in Agent.default.tts_node(self, _again(), model_settings):
            yield frame

    def speak_now(self, text: str, frames: list[rtc.AudioFrame], *, as_line: bool) -> str:
        """Play prepared audio now, over whatever the agent is saying (not interruptible).

        Returns the speech's id, which labels the audio span it plays.
        """

        async def _play() -> AsyncIterator[rtc.AudioFrame]:
            for frame in frames:
                yield frame

        speech = self.session.say(
            text, audio=_play(), allow_interruptions=False, add_to_chat_ctx=as_line
        )
        return speech.id

    async def sleep_until(self, session_s: float) -> None:
        delay = session_s - self.ctx.clock()
        if delay > 0:
            await asyncio.sleep(delay)

    async def wait_on_purpose(self, why: str, session_s: float) -> None:
        """Sleep until `session_s` because the persona means to (a reaction, a stall): reported
        as a `caller_waited` event, so the caller's lag counts only its processing."""
        began = self.ctx.clock()
        try:
            await self.sleep_until(session_s)
        finally:
            self.report_wait(why, began)

    def report_wait(self, why: str, from_s: float) -> None:
        """A deliberate wait from `from_s` until now (`caller_waited`: why, from_s, until_s);
        `runner.health.caller_lag` leaves these out of the caller's lag."""
        until_s = self.ctx.clock()
        if until_s > from_s:
            waited = {"why": why, "from_s": round(from_s, 3), "until_s": round(until_s, 3)}
            self.ctx.report("caller_waited", waited)
