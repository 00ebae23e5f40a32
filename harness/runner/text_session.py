"""Run one call in text mode: the same scenario, persona, agent and `success:`, in text turns.

A `TextSessionRun` is a `SessionRun` whose link is the text link (transport/text_link.py):
no models to load, no VAD, STT or TTS on either side, no audio in or out; each side hears the
other's finished replies as final transcripts, so livekit-agents' own turn handling, the agent's
hooks, tools, thinker, controller and guardrails run as in audio. Nothing is recorded, so there
are no probes and no timing budgets: what only audio can show is listed as not measured in text
mode (judging/modes.py). `run_text_session` runs it on a virtual clock (transport/virtual_clock.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from livekit.agents import AgentSession

from ..backends import Backend, get_backend
from ..callers import HeardSpeech
from ..config import LoadedScenario
from ..errors import ConfigError
from ..transport import Role
from ..transport.text_link import TextLink
from ..transport.virtual_clock import on_virtual_clock
from .agent_loader import resolve_factory
from .call_monitor import CallMonitor
from .event_log import EventLog
from .health import LoopLagMonitor
from .plan import SessionPlan
from .session import ProgressCallback, SessionRun
from .session_result import CallTiming, SessionResult


class TextSessionRun(SessionRun):
    """One call between a simulated caller and the agent, in text turns."""

    transport: TextLink  # type: ignore[assignment]

    async def _warm_up(self) -> None:
        """No speech models in text mode: nothing to load."""

    def _make_call_objects(self) -> None:
        self.transport = TextLink()
        self.monitor = CallMonitor(max_turns=self.loaded.scenario.max_turns)
        self.loop_lag = LoopLagMonitor()
        self.hearing = HeardSpeech()

    def _listen(self) -> None:
        """The caller hears each of the agent's replies the instant it is complete."""
        self.transport.listeners["caller"].append(self._heard)

    def _heard(self, at_s: float, text: str) -> None:
        hearing = self.hearing
        hearing.started_at = hearing.last_speech_at = hearing.ended_at = at_s
        for callback in (*hearing.on_start, *hearing.on_end):
            callback(at_s)

    async def _session_kwargs(
        self, role: Role, backend: Backend, voice: Any, tones: Any = None
    ) -> dict[str, Any]:
        """Text in through livekit's STT seam, text out: no VAD, speech model or voice."""
        return {"stt": self.transport.stt[role]}

    def _wire(self, role: Role, session: AgentSession, event_log: EventLog) -> AgentSession:
        output = self.transport.outputs[role]
        session.input.audio = None
        session.output.audio = None
        session.output.transcription = output

        def speech_id() -> str | None:
            speech = session.current_speech
            return speech.id if speech is not None else None

        output.speech_id = speech_id
        event_log.attach(role, session, None)
        return session

    def _call_started(self) -> dict[str, Any]:
        return {"mode": "text"}  # no wall-clock mapping: the session runs on a virtual clock

    def _write_probes(self) -> tuple[dict[str, Any], str | None]:
        return {}, None  # no recording: nothing to measure (not measured in text mode)

    def _judge_timing(
        self,
        probes: dict[str, Any],
        probe_error: str | None,
        hearing: dict[str, Any],
        records: list[dict[str, Any]],
    ) -> CallTiming:
        return CallTiming(budgets=[], failures=[])


def check_text_mode(loaded: LoadedScenario) -> None:
    """Refuse, before any call, what text mode cannot place: a remote agent (its audio is the
    only way in), a replayed caller (a recording), or a side whose realtime model speaks."""
    scenario = loaded.scenario
    if scenario.target is not None:
        problem, field = "a remote target is reached by audio only", ("target",)
    elif scenario.caller.brain == "replay":
        problem, field = "a replayed caller is a recording", ("caller", "brain")
    elif scenario.agent.backend != "offline":
        problem, field = "the agent's realtime model speaks audio", ("agent", "backend")
    elif scenario.caller.backend != "offline":
        problem, field = "the caller's realtime model speaks audio", ("caller", "backend")
    else:
        return
    dotted = ".".join(field)
    raise ConfigError(
        f"{loaded.where(field)}: {dotted}: cannot run in text mode: {problem}",
        hint="run this scenario with --mode audio",
    )


def session_run(plan: SessionPlan, session_id: str, directory: Path) -> SessionRun:
    """The run of one planned session, in its mode (called on the loop it will run on)."""
    kind = TextSessionRun if plan.mode == "text" else SessionRun
    return kind(plan, session_id, directory)


async def run_session(
    plan: SessionPlan,
    session_id: str,
    directory: Path,
    on_progress: ProgressCallback | None = None,
) -> SessionResult:
    """Place one planned session: an audio call on this loop, a text one on a virtual clock."""
    if plan.mode == "text":
        return await run_text_session(plan, session_id, directory, on_progress)
    return await SessionRun(plan, session_id, directory).run(on_progress)


def _register_plugins(plan: SessionPlan) -> None:
    """Import what registers livekit plugins, which livekit allows on the main thread only
    (the session itself runs in a thread of its own): the backends, the agent's module and
    the `llm` caller's model client."""
    scenario = plan.loaded.scenario
    for side in (scenario.caller, scenario.agent):
        get_backend(side.backend)
    if scenario.target is None:
        resolve_factory(plan.loaded)
    if scenario.caller.brain == "llm":
        import livekit.plugins.openai  # noqa: F401


async def run_text_session(
    plan: SessionPlan,
    session_id: str,
    directory: Path,
    on_progress: ProgressCallback | None = None,
) -> SessionResult:
    """Run a text-mode session on a virtual clock of its own, beside the caller's loop (its
    progress events are handed back to this loop)."""
    _register_plugins(plan)
    outer = asyncio.get_running_loop()

    def relay(record: dict[str, Any]) -> None:
        if on_progress is not None:
            outer.call_soon_threadsafe(on_progress, record)

    return await on_virtual_clock(lambda: TextSessionRun(plan, session_id, directory).run(relay))
