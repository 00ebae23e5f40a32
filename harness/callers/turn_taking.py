"""Speaking while the agent talks: barge-ins at a chosen point of its utterance, and backchannels.

Driven by what the caller hears (`HeardSpeech`): when an agent utterance starts, a barge-in is
planned for `delay_s` into it, from the script (`interrupt:`, asked through `BargeInLines`) or by
the persona's own barge-in probability; backchannels follow every `every_s` of agent speech. The
audio is synthesised while waiting, so it starts at the planned point. Everything planned is
dropped when the agent stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Protocol

from livekit import rtc

from ..config.persona import TurnTaking as TurnTakingConfig
from .base import SimulatedCaller


@dataclass(frozen=True)
class PlannedLine:
    index: int
    text: str
    delay_s: float
    aside: bool = False  # said to someone else in the room: over the agent, but no barge-in


class BargeInLines(Protocol):
    """Which line a caller says over the agent (a scripted caller answers from its script)."""

    def planned_interrupt(self) -> PlannedLine | None:
        """The line the script says to speak over the utterance that just started, if any."""

    def next_line_for_barge_in(self) -> PlannedLine | None:
        """The next line, for a persona that barges in on its own."""

    def about_to_barge_in(self, index: int) -> None:
        """Line `index` is about to be said over the agent."""


class TurnTaking:
    def __init__(
        self, caller: SimulatedCaller, lines: BargeInLines, config: TurnTakingConfig
    ) -> None:
        self.caller = caller
        self.lines = lines
        self.config = config
        self._tasks: set[asyncio.Task[None]] = set()
        self._barge_in_rng = caller.ctx.rng("barge_in")
        self._backchannel_rng = caller.ctx.rng("backchannel")
        self._backchannel_audio: dict[str, list[rtc.AudioFrame]] = {}

    def attach(self) -> None:
        hearing = self.caller.ctx.hearing
        hearing.on_start.append(self._agent_started)
        hearing.on_end.append(self._agent_stopped)

    def _spawn(self, coroutine: object) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _agent_started(self, started_s: float) -> None:
        plan = self.lines.planned_interrupt()
        reason = "script"
        barge_in = self.config.barge_in
        if (
            plan is None
            and barge_in is not None
            and self._barge_in_rng.random() < barge_in.probability
        ):
            line = self.lines.next_line_for_barge_in()
            if line is not None:
                plan = PlannedLine(line.index, line.text, barge_in.after_ms / 1000, line.aside)
                reason = "persona"
        if plan is not None:
            self._spawn(self._barge_in(plan, started_s, reason))
        if self.config.backchannels is not None:
            self._spawn(self._backchannels(started_s))

    def _agent_stopped(self, _ended_s: float) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def _barge_in(self, plan: PlannedLine, started_s: float, reason: str) -> None:
        caller = self.caller
        synthesis = asyncio.ensure_future(caller.synthesize(plan.text))
        try:
            await caller.sleep_until(started_s + plan.delay_s)
            frames = await synthesis
        except asyncio.CancelledError:
            synthesis.cancel()
            caller.ctx.report(
                "caller_barge_in_missed", {"line": plan.index, "why": "agent stopped"}
            )
            raise
        if not caller.ctx.hearing.speaking or caller.state.done:
            return
        self.lines.about_to_barge_in(plan.index)
        caller.speak_now(plan.text, frames, as_line=True)
        if plan.aside:  # side talk over the agent (its `caller_aside` plan is logged): no barge-in
            return
        record = {
            "line": plan.index,
            "agent_started_s": round(started_s, 3),
            "planned_s": round(started_s + plan.delay_s, 3),
            "said_at_s": round(caller.ctx.clock(), 3),
            "reason": reason,
        }
        caller.state.barge_ins.append(record)
        caller.ctx.report("caller_barge_in", record)

    async def _backchannels(self, started_s: float) -> None:
        config = self.config.backchannels
        assert config is not None
        caller = self.caller
        count = 1
        while True:
            phrase = self._backchannel_rng.choice(config.phrases)
            frames = self._backchannel_audio.get(phrase)
            if frames is None:
                frames = self._backchannel_audio[phrase] = await caller.synthesize(phrase)
            await caller.sleep_until(started_s + count * config.every_s)
            count += 1
            hearing = caller.ctx.hearing
            if not hearing.speaking or caller.session.agent_state == "speaking":
                continue  # the agent paused, or the caller itself is talking: not now
            speech_id = caller.speak_now(phrase, frames, as_line=False)
            record = {
                "phrase": phrase,
                "said_at_s": round(caller.ctx.clock(), 3),
                "speech_id": speech_id,
            }
            caller.state.backchannels.append(record)
            caller.ctx.report("caller_backchannel", record)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
