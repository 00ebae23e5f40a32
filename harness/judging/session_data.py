"""What a judge may read from a session directory, loaded once: transcript, probes, hearing,
events, state.

Every file is optional except `transcript.json`; a judge that needs a missing one says so in its
verdict. The agent's events are its own `agent_events.jsonl` (if it writes one) plus the tool
calls and handoffs livekit logged in `events.jsonl`, for any agent. Turn numbers are 1-based
positions in `transcript.json`'s `turns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..rundir.documents import read_agent_events, read_transcript
from ..rundir.files import read_optional_object
from ..rundir.layout import TRANSCRIPT_FILE, SessionPaths
from ..rundir.models import AgentEvent, Turn
from .budgets import NOT_JUDGED
from .livekit_events import merged, read_agent_tool_events
from .wer import normalise


@dataclass(frozen=True)
class SessionData:
    directory: Path
    turns: tuple[Turn, ...]
    session: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    hearing: dict[str, Any] = field(default_factory=dict)  # hearing.json, if the call has one
    caller_state: dict[str, Any] | None = None
    agent_events: tuple[AgentEvent, ...] = ()
    recording: Path | None = None  # the call's stereo recording, what an audio rubric hears

    @property
    def database(self) -> Path | None:
        path = SessionPaths(self.directory).agent_database
        return path if path.is_file() else None

    @property
    def tool_calls(self) -> list[AgentEvent]:
        return [event for event in self.agent_events if event.type == "tool_call"]

    @property
    def duration_s(self) -> float | None:
        """The call's length: from probes, else session.json's result, else the last turn."""
        summary = self.probes.get("summary", {})
        if summary.get("duration_s") is not None:
            return float(summary["duration_s"])
        result = self.session.get("result") or {}
        if result.get("duration_s") is not None:
            return float(result["duration_s"])
        ends = [turn.end_s for turn in self.turns if turn.end_s is not None]
        return max(ends) if ends else None

    @property
    def untrusted_timing(self) -> str | None:
        """Why the call's timing cannot be trusted (session.json's `timing_trust`), else None:
        a verdict read from the clock is then not judged."""
        trust = (self.session.get("result") or {}).get("timing_trust") or {}
        if not isinstance(trust, dict) or trust.get("trusted", True) is not False:
            return None
        reasons = trust.get("reasons") or []
        return f"{NOT_JUDGED} ({reasons[0]})" if reasons else NOT_JUDGED

    def turns_of(self, speaker: str) -> list[Turn]:
        return [turn for turn in self.turns if speaker in ("any", turn.speaker)]

    def quote_in_turn(self, quote: str, turn_number: int) -> bool:
        """Whether `quote` is in that turn, ignoring case, punctuation and how numbers are spelt."""
        if not 1 <= turn_number <= len(self.turns):
            return False
        wanted = normalise(quote)
        if not wanted:
            return False
        turn = self.turns[turn_number - 1]
        for text in (turn.text, turn.heard_as or ""):
            words = normalise(text)
            if any(
                words[i : i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)
            ):
                return True
        return False

    def time_in_turn(self, at_s: float, turn_number: int, slack_s: float = 0.5) -> bool:
        """Whether `at_s` (seconds from the call's start) falls within that turn, give or take
        `slack_s`, and within the call: where an audio judge says it heard something."""
        if not 1 <= turn_number <= len(self.turns) or at_s < 0:
            return False
        duration = self.duration_s
        if duration is not None and at_s > duration + slack_s:
            return False
        turn = self.turns[turn_number - 1]
        if turn.start_s is None or turn.end_s is None:
            return False
        return turn.start_s - slack_s <= at_s <= turn.end_s + slack_s


def load_session(directory: Path) -> SessionData:
    """Read a session directory; only its transcript is required."""
    paths = SessionPaths(directory)
    if not paths.has_transcript():
        raise ConfigError(
            f"{directory}: no {TRANSCRIPT_FILE} here",
            hint="name a session directory (reports/<run-id>/<session-id>) or a run directory",
        )
    session = read_optional_object(paths.session) or {}
    own, _ = read_agent_events(directory)  # a torn line of a killed call is skipped
    return SessionData(
        directory=directory,
        turns=tuple(read_transcript(directory).turns),
        session=session,
        probes=read_optional_object(paths.probes) or {},
        hearing=read_optional_object(paths.hearing) or {},
        caller_state=read_optional_object(paths.caller_state),
        agent_events=merged(own, read_agent_tool_events(paths.events)),
        recording=paths.recording if paths.recording.is_file() else None,
    )
