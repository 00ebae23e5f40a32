"""What a judge may read from a session directory, loaded once: transcript, probes, events, state.

Every file is optional except `transcript.json`; a judge that needs a missing one says so in its
verdict. The agent's events are its own `agent_events.jsonl` (if it writes one) plus the tool
calls and handoffs livekit logged in `events.jsonl`, for any agent. Turn numbers are 1-based
positions in `transcript.json`'s `turns`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .wer import normalise


@dataclass(frozen=True)
class TranscriptTurn:
    number: int
    speaker: str
    text: str
    start_s: float | None = None
    end_s: float | None = None
    interrupted: bool = False
    heard_as: str | None = None
    backchannel: bool = False  # a short acknowledgement over the other side ("mm-hm")


@dataclass(frozen=True)
class AgentEvent:
    t: float | None
    type: str
    data: dict[str, Any]


@dataclass(frozen=True)
class SessionData:
    directory: Path
    turns: tuple[TranscriptTurn, ...]
    session: dict[str, Any] = field(default_factory=dict)
    probes: dict[str, Any] = field(default_factory=dict)
    caller_state: dict[str, Any] | None = None
    agent_events: tuple[AgentEvent, ...] = ()

    @property
    def database(self) -> Path | None:
        path = self.directory / "agent.sqlite"
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

    def turns_of(self, speaker: str) -> list[TranscriptTurn]:
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


def turns_from_json(raw_turns: list[dict[str, Any]]) -> tuple[TranscriptTurn, ...]:
    return tuple(
        TranscriptTurn(
            number=index,
            speaker=str(turn.get("speaker", "?")),
            text=str(turn.get("text") or ""),
            start_s=turn.get("start_s"),
            end_s=turn.get("end_s"),
            interrupted=bool(turn.get("interrupted", False)),
            heard_as=turn.get("heard_as"),
            backchannel=bool(turn.get("backchannel", False)),
        )
        for index, turn in enumerate(raw_turns, start=1)
    )


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None


def _read_events(path: Path) -> tuple[AgentEvent, ...]:
    events = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}:{number}: invalid JSON line: {exc.msg}") from None
        if isinstance(record, dict):
            data = record.get("data")
            events.append(
                AgentEvent(record.get("t"), str(record.get("type", "")), data if data else {})
            )
    return tuple(events)


def load_session(directory: Path) -> SessionData:
    """Read a session directory; only `transcript.json` is required."""
    transcript = directory / "transcript.json"
    if not transcript.is_file():
        raise ConfigError(
            f"{directory}: no transcript.json here",
            hint="name a session directory (reports/<run-id>/<session-id>) or a run directory",
        )

    def optional(name: str) -> Any:
        path = directory / name
        return _read_json(path) if path.is_file() else None

    from .livekit_events import merged, read_agent_tool_events  # it builds this module's events

    events_path = directory / "agent_events.jsonl"
    own = _read_events(events_path) if events_path.is_file() else ()
    livekit_path = directory / "events.jsonl"
    livekit = read_agent_tool_events(livekit_path) if livekit_path.is_file() else ()
    return SessionData(
        directory=directory,
        turns=turns_from_json(_read_json(transcript).get("turns", [])),
        session=optional("session.json") or {},
        probes=optional("probes.json") or {},
        caller_state=optional("caller_state.json"),
        agent_events=merged(own, livekit),
    )
