"""What a finished call comes to: its result (as session.json's `result`), the timing it was
judged on, how the call's ending counts (a limit reached, the agent hanging up early), and the
caller's own end-of-call view. `SessionRun` closes a call through these; nothing here touches a
live session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..callers import SimulatedCaller
from ..config import LoadedScenario
from ..errors import RunFileError
from ..judging.budgets import TimingTrust
from ..judging.outcome import SessionOutcome, outcome_of
from ..judging.reasons import Reason
from ..rundir.documents import read_session
from ..rundir.files import write_json
from ..rundir.layout import SessionPaths
from .call_monitor import Outcome


@dataclass(frozen=True)
class CallTiming:
    budgets: list[dict[str, Any]]
    failures: list[Reason]
    pacing: dict[str, float | int] = field(default_factory=dict)
    loop_lag: dict[str, float | int] = field(default_factory=dict)
    caller_lag: dict[str, Any] = field(default_factory=dict)
    agent_lag: dict[str, Any] = field(default_factory=dict)
    trust: TimingTrust = TimingTrust(trusted=True)


@dataclass
class SessionResult:
    session_id: str
    directory: str
    outcome: Outcome | str
    duration_s: float
    turns: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    pacing: dict[str, float | int] = field(default_factory=dict)
    loop_lag: dict[str, float | int] = field(default_factory=dict)
    caller_lag: dict[str, Any] = field(default_factory=dict)
    agent_lag: dict[str, Any] = field(default_factory=dict)
    timing_trust: dict[str, Any] = field(default_factory=lambda: {"trusted": True, "reasons": []})
    timing: dict[str, Any] = field(default_factory=dict)
    hearing: dict[str, Any] = field(default_factory=dict)  # hearing.json's summary
    budgets: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # the texts of `reasons`, kept for readers
    reasons: list[dict[str, Any]] = field(default_factory=list)  # {kind, text, source, ...}
    mode: str = "audio"

    @property
    def verdict(self) -> SessionOutcome:
        """passed / failed / inconclusive, decided from the session directory's files."""
        return outcome_of(Path(self.directory))

    @property
    def passed(self) -> bool:
        return self.verdict.passed


def result_on_disk(session_id: str, directory: Path) -> SessionResult:
    """A cancelled session's result, as `SessionRun` finalised it in session.json."""
    try:
        return SessionResult(**(read_session(directory).result or {}))
    except (RunFileError, TypeError):
        return SessionResult(session_id, str(directory), "cancelled", 0.0)


def call_reasons(
    outcome: str, caller: SimulatedCaller | None, loaded: LoadedScenario
) -> list[Reason]:
    """How the call ended, as failures: a limit reached (timing-derived: a harness that fell
    behind runs out the clock too), or the agent hanging up before the caller was done
    (unless the scenario says the agent may end the call)."""
    if outcome in ("max_duration", "max_turns"):
        limit = "max_duration_s" if outcome == "max_duration" else "max_turns"
        text = f"the call reached {limit} before the caller was done"
        return [Reason("call-limit", text, "call", timing_derived=True)]
    caller_done = caller is None or caller.state.done
    may_end = loaded.scenario.success.agent_may_end_call
    if outcome == "completed" and not caller_done and not may_end:
        return [
            Reason("turn-taking", "the agent ended the call before the caller was done", "call")
        ]
    return []


def write_caller_state(
    caller: SimulatedCaller | None,
    loaded: LoadedScenario,
    paths: SessionPaths,
    outcome: str,
    turns: list[Any],
) -> None:
    """The caller's own end-of-call view (caller_state.json), with its goal decided."""
    if caller is None:
        return
    state = caller.state
    if not state.done:
        state.ended_by = outcome if outcome != "completed" else "agent"
        state.reason = state.reason or f"the call ended ({outcome}) before the caller was done"
    pattern = loaded.persona.goal_reached_when
    if pattern is not None:
        # only what reached the caller's ears counts, never what the agent meant to say
        heard = " ".join(t.heard_as or "" for t in turns if t.speaker == "agent")
        state.goal_achieved = re.search(pattern, heard, re.IGNORECASE) is not None
    elif state.goal_achieved is None and loaded.scenario.caller.brain != "llm":
        state.goal_achieved = state.done
    write_json(paths.caller_state, state.to_json())
