"""What a person watching a run sees on stderr: which session, elapsed call time, each turn."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, TextIO

from ..errors import RunFileError
from ..judging.outcome import SessionOutcome
from ..judging.wer import misheard_turns
from ..rundir.documents import read_transcript
from .session_result import SessionResult


def outcome_word(verdict: SessionOutcome) -> str:
    return "passed" if verdict.passed else verdict.outcome.upper()


def reason_lines(verdict: SessionOutcome) -> list[str]:
    """One console line per reason, each once: what failed, then what could not be judged."""
    return [f"  FAILED: {line}" for line in verdict.failed] + [
        f"  NOT JUDGED: {line}" for line in verdict.unjudged
    ]


def _turns_of(directory: str) -> list[dict[str, Any]]:
    """The session's transcript turns, or none if it has no readable transcript.json."""
    try:
        return [turn.model_dump() for turn in read_transcript(Path(directory)).turns]
    except RunFileError:
        return []


def heard_beside_said(directory: str) -> list[str]:
    """After a failure: the turns the other side heard differently, said beside heard."""
    return [
        f"  turn {turn.turn}: the {turn.speaker} said “{turn.said}”; "
        f"the {turn.listener} heard “{turn.heard}”"
        for turn in misheard_turns(_turns_of(directory))
    ]


def finished_lines(position: str, session_id: str, result: SessionResult) -> list[str]:
    """What either display prints when a session ends: how it ended, why, what was misheard."""
    verdict = result.verdict
    turns = ", ".join(f"{side} {count}" for side, count in result.turns.items())
    word = "stopped" if result.outcome == "cancelled" else outcome_word(verdict)
    carried = "of audio" if result.mode == "audio" else "in text turns"
    lines = [
        f"{position} {session_id}: {result.outcome} after "
        f"{result.duration_s:.1f}s {carried} ({turns} turns), {word}",
        *reason_lines(verdict),
        *(f"  {line}" for line in verdict.not_measured),
    ]
    if verdict.outcome == "failed":
        lines += heard_beside_said(result.directory)
    if not result.timing_trust.get("trusted", True):
        reasons = "; ".join(result.timing_trust.get("reasons", []))
        lines.append(f"  timing untrustworthy, budgets not judged: {reasons}")
    return lines


class Progress:
    def __init__(self, stream: TextIO = sys.stderr, *, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._total = 0
        self._index = 0  # how many sessions of this run (or shard) have started
        self._label = ""
        self._turns = 0
        self._playing_since: dict[str, float] = {}  # side -> when its latest playback started
        self.directory: str | None = None  # the run directory, once the run has one

    @property
    def stream(self) -> TextIO:
        return self._stream

    @property
    def quiet(self) -> bool:
        return self._quiet

    def _print(self, text: str) -> None:
        if not self._quiet:
            print(text, file=self._stream, flush=True)

    def run_started(self, directory: str, total: int) -> None:
        self._total = total
        self.directory = directory
        self._print(f"crosstalk: {total} session(s), run directory {directory}")

    def session_started(self, index: int, session_id: str) -> None:
        # `index` numbers the session in the whole suite; with --shard the counter is this
        # shard's own ([2/3], not [4/3]) and the id keeps the suite number
        self._index, self._label, self._turns = self._index + 1, session_id, 0
        self._playing_since.clear()
        self._print(
            f"[{self._index}/{self._total}] {session_id}: loading models and starting the call"
        )

    def on_event(self, record: dict[str, Any]) -> None:
        side = record["side"]
        if record["type"] == "playback_started":
            # a turn is printed when its text lands, at its end; it is stamped, like the
            # report's transcript, with when its audio started
            self._playing_since[side] = record["t"]  # a backchannel's has no text: replaced
            return
        item = record["data"].get("item", {}) if record["type"] == "conversation_item_added" else {}
        if item.get("role") != "assistant":
            return
        self._turns += 1
        started = self._playing_since.pop(side, record["t"])
        text = " ".join(part for part in item.get("content", []) if isinstance(part, str))
        marker = " (interrupted)" if item.get("interrupted") else ""
        self._print(f"  {started:6.1f}s  turn {self._turns:>2}  {side:>6}: {text}{marker}")

    def session_finished(self, result: SessionResult) -> None:
        for line in finished_lines(f"[{self._index}/{self._total}]", self._label, result):
            self._print(line)
        latency = result.timing.get("response_latency", {})
        if latency.get("count"):
            self._print(
                f"  heard by the caller: greeting {result.timing['greeting_latency_ms']} ms, "
                f"response latency p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
                f"interruptions {result.timing['interruptions']}"
            )

    def session_failed(self, message: str) -> None:
        self._print(f"[{self._index}/{self._total}] {self._label}: FAILED: {message}")

    def run_finished(self, directory: str, summary: str) -> None:
        self._print(f"crosstalk: done; results in {directory}")
        self._print(f"crosstalk: {summary}")
