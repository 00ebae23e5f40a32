"""Run one call: build both sides on a transport, let them talk, and write the session directory.

The session directory is complete on its own: `call.wav`, `events.jsonl`, `transcript.json` and
`session.json`. `session.json` is written first (status "running") and rewritten at the end, and
everything is closed in `finally`, shielded from cancellation, so a crashed or interrupted call
still leaves what it produced on disk and a final session.json.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from livekit.agents import Agent, AgentSession

from ..backends import Backend, get_backend
from ..backends.voices import VoiceShift
from ..callers import CallerContext, HeardSpeech, SimulatedCaller, build_caller
from ..callers.energy_vad import EnergyVAD
from ..config import LoadedScenario
from ..errors import ConfigError, CrosstalkError, InfrastructureError
from ..judging.budgets import assess_timing, check_budgets, judge_budgets, timing_derived
from ..judging.hearing_files import write_session_hearing
from ..judging.judge import judge_after_call
from ..library import absolute
from ..probes import write_session_probes
from ..rundir.documents import write_session, write_transcript
from ..rundir.layout import SessionPaths
from ..rundir.models import SESSION_SCHEMA, SessionDocument
from ..transport import ROLES, Role, Transport
from ..transport.link_io import LinkAudioOutput
from .agent_loader import load_agent
from .call_monitor import CallMonitor
from .caller_voice import caller_stt, caller_tts, render_caller_lines_ahead
from .event_log import EventLog
from .health import LoopLagMonitor, agent_lag, caller_lag
from .plan import SessionPlan
from .session_result import CallTiming, SessionResult, call_reasons, write_caller_state
from .targets import build_transport
from .transcript import build_turns
from .warmup import warm_up

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[dict[str, Any]], None]
T = TypeVar("T")
_CLOSE_TIMEOUT_S = 5.0
_HANGUP_TAIL_S = 0.5


def _versions() -> dict[str, str]:
    packages = ("crosstalk", "livekit-agents", "livekit-plugins-silero", "faster-whisper", "openai")
    found = {"python": platform.python_version()}
    for package in packages:
        try:
            found[package] = version(package)
        except Exception:
            found[package] = "not installed"
    return found


def _current_speech_id(session: AgentSession) -> Callable[[], str | None]:
    def current() -> str | None:
        speech = session.current_speech
        return speech.id if speech is not None else None

    return current


async def finish_despite_cancel(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to its end even when the caller is cancelled meanwhile (once or more), then
    raise the cancellation; a second Ctrl-C still ends the process (asyncio.run raises)."""
    task = asyncio.ensure_future(work)
    cancelled = False
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            cancelled = True
    result = task.result()
    if cancelled:
        raise asyncio.CancelledError
    return result


class SessionRun:
    """One call between a simulated caller and the agent under test, owning its directory."""

    def __init__(
        self, plan: SessionPlan | LoadedScenario, session_id: str, directory: Path
    ) -> None:
        self.plan = plan if isinstance(plan, SessionPlan) else SessionPlan(plan)
        self.loaded = self.plan.loaded
        self.session_id = session_id
        self.directory = directory
        self.paths = SessionPaths(directory)
        self.caller: SimulatedCaller | None = None
        self._sessions: dict[str, AgentSession] = {}
        self._started_wall = time.time()

    def _make_call_objects(self) -> None:
        """This call's transport and monitors, made after `warm_up` has frozen the start-up
        objects: anything alive at that freeze is never collected, so no session may be."""
        loaded = self.loaded
        self.transport: Transport = build_transport(loaded, self.session_id)
        self.monitor = CallMonitor(
            max_turns=loaded.scenario.max_turns, agent_is_remote=not self.transport.hosts_agent
        )
        self.loop_lag = LoopLagMonitor()
        self.hearing = HeardSpeech()

    def _session_document(self, status: str, result: SessionResult | None) -> SessionDocument:
        return SessionDocument(
            schema_id=SESSION_SCHEMA,
            session_id=self.session_id,
            status=status,
            started_at=self._started_wall,
            scenario_name=self.loaded.scenario.name,
            persona_name=self.loaded.persona.name,
            repeat=self.plan.repeat,
            repeats=self.plan.repeats,
            tags=list(self.plan.tags),
            variant=self.plan.variant,
            suite=self.plan.suite,
            scenario_file=str(absolute(self.loaded.scenario_path)),  # judged from anywhere
            persona_file=str(self.loaded.persona_path),
            scenario=self.loaded.scenario.model_dump(mode="json"),
            persona=self.loaded.persona.model_dump(mode="json"),
            seed=self.loaded.scenario.seed,
            transport=self.transport.describe(),
            mode=self.plan.mode,
            versions=_versions(),
            result=asdict(result) if result else None,
        )

    async def run(
        self,
        on_progress: ProgressCallback | None = None,
        models_loaded: Callable[[], Awaitable[object]] | None = None,
    ) -> SessionResult:
        """Place the call; `models_loaded` is awaited once this process's models are loaded,
        before anything of the call exists."""
        scenario = self.loaded.scenario
        try:
            await self._warm_up()
            if models_loaded is not None:
                await models_loaded()
        except CrosstalkError:
            raise
        except Exception as exc:
            logger.exception("loading the models for %s failed", self.session_id)
            raise InfrastructureError(
                f"session {self.session_id} failed before its call: the models did not load "
                f"({type(exc).__name__}: {exc})"
            ) from None
        self._make_call_objects()
        self.directory.mkdir(parents=True, exist_ok=True)
        write_session(self.directory, self._session_document("running", None))
        event_log = EventLog(self.paths.events, self.transport.clock)
        event_log.subscribe(self.monitor.on_event)
        if on_progress:
            event_log.subscribe(on_progress)
        self.transport.attach_events(event_log)
        outcome: str = "error"
        error: str | None = None
        try:
            sides = await self._build_sides(event_log)
            await render_caller_lines_ahead(*sides["caller"])
            for role, (_, kwargs) in sides.items():
                self._sessions[role] = self._wire(role, AgentSession(**kwargs), event_log)

            await self.transport.start(self.paths.recording)
            self.loop_lag.start()
            event_log.write("harness", "call_started", self._call_started())
            for role in ("agent", "caller"):
                if role in sides:  # a remote agent (LiveKit, phone) has no local session
                    await self._sessions[role].start(sides[role][0], record=False)
            outcome = await self.monitor.wait(self.transport.clock.now, scenario.max_duration_s)
            error = self.monitor.error
            await asyncio.sleep(_HANGUP_TAIL_S)
        except asyncio.CancelledError:
            outcome = "cancelled"
            raise
        except CrosstalkError:
            raise
        except Exception as exc:
            logger.exception("session %s crashed", self.session_id)
            error = f"{type(exc).__name__}: {exc}"
            outcome = "error"
        finally:
            # a Ctrl-C or SIGTERM during the close (aclose, transport stop, judging) must not
            # skip the final write: the close finishes, then the cancellation goes on
            result = await finish_despite_cancel(self._close(event_log, outcome, error))
        if result.outcome == "error":
            raise InfrastructureError(
                f"session {self.session_id} failed: {result.error}",
                hint=f"artifacts so far are in {self.directory}",
            )
        return result

    async def _warm_up(self) -> None:
        await warm_up(self._backends())

    def _wire(self, role: Role, session: AgentSession, event_log: EventLog) -> AgentSession:
        """Plug `session` into this call's link: its audio in and out, and the event log."""
        link_end = self.transport.end_for(role)
        session.input.audio = link_end.audio_input
        session.output.audio = link_end.audio_output
        if isinstance(link_end.audio_output, LinkAudioOutput):
            link_end.audio_output.speech_ids = _current_speech_id(session)
        event_log.attach(role, session, link_end.audio_output)
        return session

    def _call_started(self) -> dict[str, Any]:
        return {
            "sample_rate": self.transport.sample_rate,
            # livekit stamps speech with wall-clock times; this maps them to the clock
            "wall_clock_at_zero": time.time() - self.transport.clock.now(),
        }

    def _listen(self) -> None:
        """The caller hears the agent: its hearing follows the audio it receives."""
        caller_input = self.transport.end_for("caller").audio_input
        caller_input.listeners.append(self.hearing.on_frame)  # type: ignore[attr-defined]

    async def _session_kwargs(
        self, role: Role, backend: Backend, voice: Any, tones: dict[str, VoiceShift] | None = None
    ) -> dict[str, Any]:
        """A side's AgentSession arguments; the caller's voice toned and kept in the cache."""
        kwargs = await asyncio.to_thread(backend.session_kwargs, voice, self.transport.sample_rate)
        if role == "caller":
            kwargs["tts"] = caller_tts(kwargs.get("tts"), voice, tones or {})
            kwargs["stt"] = caller_stt(kwargs.get("stt"))
            if "vad" in kwargs:  # the caller's own hearing, not a model (see energy_vad)
                kwargs["vad"] = EnergyVAD()
        return kwargs

    def _backends(self) -> list[Backend]:
        """The backends this call runs locally (a remote target's agent has none here)."""
        scenario = self.loaded.scenario
        caller_backend = get_backend(scenario.caller.backend)
        if scenario.target is not None:
            return [caller_backend]
        return [caller_backend, get_backend(scenario.agent.backend)]

    async def _build_sides(self, event_log: EventLog) -> dict[Role, tuple[Agent, dict[str, Any]]]:
        """Each side's Agent and AgentSession arguments (models were loaded by `warm_up`)."""
        scenario, persona = self.loaded.scenario, self.loaded.persona
        caller_backend = get_backend(scenario.caller.backend)
        agent_backend = get_backend(scenario.agent.backend)
        hosts_agent = self.transport.hosts_agent
        self._listen()
        caller = self.caller = build_caller(
            CallerContext(
                persona=persona,
                scenario=scenario,
                scenario_dir=self.loaded.scenario_path.parent,
                opens_call=scenario.opening == "caller",
                own_brain=caller_backend.agent_has_own_brain(),
                clock=self.transport.clock.now,
                hearing=self.hearing,
                report=lambda kind, data: event_log.write("caller", kind, data),
                seed=scenario.seed,
            ),
            sample_rate=self.transport.sample_rate,
        )
        plans = {
            "caller": (caller, caller_backend, persona.voice, str(self.loaded.persona_path)),
        }
        if hosts_agent:
            agent = load_agent(
                self.loaded,
                backend=agent_backend.name,
                session_dir=self.directory,
                clock=self.transport.clock.now,
            )
            where = self.loaded.where(("agent",))
            plans["agent"] = (agent, agent_backend, scenario.agent.voice, where)
        field_prefix = {"agent": "agent.", "caller": ""}
        sides: dict[Role, tuple[Agent, dict[str, Any]]] = {}
        for role, (side_agent, backend, voice, where) in plans.items():
            try:
                tones = caller.line_tones() if role == "caller" else None
                kwargs = await self._session_kwargs(role, backend, voice, tones)
            except ConfigError as exc:
                message = f"{where}: {field_prefix[role]}{exc.message}"
                raise ConfigError(message, hint=exc.hint) from None
            sides[role] = (side_agent, kwargs)  # type: ignore[index]
        return sides

    def _write_probes(self) -> tuple[dict[str, Any], str | None]:
        """Timing from the recording (probes.json), or why it could not be measured.

        A probe failure is the session's error: budgets with no figure to check would pass.
        """
        if self.transport.duration_s == 0:
            return {}, None  # the call never started: there is no recording to measure
        try:
            return write_session_probes(self.directory), None
        except Exception as exc:
            logger.exception("timing probes failed on %s", self.directory)
            return {}, f"the timing probes failed: {type(exc).__name__}: {exc}"

    async def _write_hearing(self) -> dict[str, Any]:
        """What each side heard (hearing.json), after the call: it transcribes the agent's
        clean speech, so it runs off the event loop and never while a call is live here."""
        if self.transport.duration_s == 0:
            return {}
        try:
            return await asyncio.to_thread(write_session_hearing, self.directory)
        except Exception:
            logger.exception("the hearing analysis failed on %s", self.directory)
            return {}  # no figures: its budgets are not judged

    def _judge_timing(
        self,
        probes: dict[str, Any],
        probe_error: str | None,
        hearing: dict[str, Any],
        records: list[dict[str, Any]],
    ) -> CallTiming:
        """The budgets against the probes' and hearing's figures; the timing ones only if the
        harness kept time well enough."""
        limits = self.loaded.scenario.budgets.limits()
        # no figures, no budget verdicts: a missing figure must never read as a met budget
        if probe_error is not None:
            limits = {name: limit for name, limit in limits.items() if not timing_derived(name)}
        summary = {**probes.get("summary", {}), **hearing.get("summary", {})}
        checks = check_budgets(limits, summary)
        pacing, loop_lag = self.transport.pacing.summary(), self.loop_lag.summary()
        lag, agent_side = caller_lag(records), agent_lag(records)
        trust = assess_timing(pacing, loop_lag, lag, agent_side)
        budgets, failures = judge_budgets(checks, trust)
        return CallTiming(budgets, failures, pacing, loop_lag, lag, agent_side, trust)

    async def _close(self, event_log: EventLog, outcome: str, error: str | None) -> SessionResult:
        await self.loop_lag.stop()
        closing = [asyncio.wait_for(s.aclose(), _CLOSE_TIMEOUT_S) for s in self._sessions.values()]
        for role, closed in zip(
            self._sessions, await asyncio.gather(*closing, return_exceptions=True), strict=False
        ):
            if isinstance(closed, BaseException):
                logger.error("closing the %s session failed: %r", role, closed)
        await self.transport.stop()
        event_log.write("harness", "call_ended", {"outcome": outcome, "error": error})
        event_log.close()
        spans = {role: self.transport.played_spans(role) for role in ROLES}
        remote = not self.transport.hosts_agent
        turns = build_turns(event_log.records, spans, agent_is_remote=remote)
        write_transcript(self.directory, turns)
        probes, probe_error = self._write_probes()
        if probe_error is not None and outcome not in ("error", "cancelled"):
            outcome, error = "error", probe_error
        hearing = await self._write_hearing()
        timing = self._judge_timing(probes, probe_error, hearing, event_log.records)
        reasons = [*call_reasons(outcome, self.caller, self.loaded), *timing.failures]
        write_caller_state(self.caller, self.loaded, self.paths, outcome, turns)
        await judge_after_call(
            self.directory, self.loaded.scenario.success, self.loaded.scenario_path, outcome
        )
        result = SessionResult(
            session_id=self.session_id,
            directory=str(self.directory),
            outcome=outcome,
            duration_s=round(self.transport.duration_s, 3),
            turns={
                role: sum(1 for t in turns if t.speaker == role and not t.backchannel)
                for role in ("caller", "agent")
            },
            error=error,
            pacing=timing.pacing,
            loop_lag=timing.loop_lag,
            caller_lag=timing.caller_lag,
            agent_lag=timing.agent_lag,
            timing_trust=timing.trust.to_json(),
            timing=probes.get("summary", {}),
            hearing=hearing.get("summary", {}),
            budgets=timing.budgets,
            failures=[reason.text for reason in reasons],
            reasons=[reason.session_json() for reason in reasons],
            mode=self.plan.mode,
        )
        write_session(self.directory, self._session_document(outcome, result))
        return result
