"""A person's verdict and notes per session, kept in review.json (`crosstalk review` writes it).

What the reviewer is shown of a session (outcome, the judges' verdicts, the transcript), which
sessions a run has to review, and the review file itself. Beside the verdict, review.json keeps
a tone label per turn heard by ear (`"tone": {"3": "rushed"}`, tone_labels.py), which the
calibration set reads; either can be written without the other.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError, RunFileError
from ..rundir.documents import read_transcript
from ..rundir.files import read_object_or_none, read_optional_object, write_json
from ..rundir.layout import SESSION_FILE, RunPaths, SessionPaths
from ..rundir.models import Turn
from .tone_labels import LABEL_CHOICES

ReviewVerdict = Literal["pass", "fail", "unsure"]
VERDICTS: tuple[str, ...] = ("pass", "fail", "unsure")


def write_review(
    session_dir: Path, verdict: str, notes: str, reviewer: str, at: datetime | None = None
) -> dict[str, str]:
    if verdict not in VERDICTS:
        raise ConfigError(f"verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
    document = {
        **(read_review(session_dir) or {}),  # the tone labels stay
        "verdict": verdict,
        "notes": notes,
        "reviewer": reviewer,
        "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    write_json(SessionPaths(session_dir).review, document)
    return document


def read_review(session_dir: Path) -> dict[str, Any] | None:
    return read_optional_object(SessionPaths(session_dir).review)


def tone_labels(session_dir: Path) -> dict[int, str]:
    """The tone label of each turn a person labelled by ear (unknown labels left out)."""
    raw = (read_review(session_dir) or {}).get("tone")
    if not isinstance(raw, dict):
        return {}
    return {
        int(turn): label
        for turn, label in raw.items()
        if str(turn).isdigit() and label in LABEL_CHOICES
    }


def write_tone(
    session_dir: Path, labels: dict[int, str], reviewer: str, at: datetime | None = None
) -> dict[int, str]:
    """Add tone labels (turn number -> label) to the session's review; returns all of them."""
    turns = _turns(session_dir)
    for turn, label in labels.items():
        if label not in LABEL_CHOICES:
            raise ConfigError(f"tone {label!r}: use one of {', '.join(LABEL_CHOICES)}")
        if not 1 <= turn <= len(turns):
            raise ConfigError(f"{session_dir.name}: no turn {turn} (it has {len(turns)} turns)")
    merged = {**tone_labels(session_dir), **labels}
    document = {
        **(read_review(session_dir) or {}),
        "tone": {str(turn): merged[turn] for turn in sorted(merged)},
        "tone_reviewer": reviewer,
        "tone_at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    write_json(SessionPaths(session_dir).review, document)
    return merged


def sessions_to_review(run_dir: Path, only: str | None) -> list[Path]:
    """The sessions of `run_dir` (only the one named `only`, if given)."""
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such run directory")
    found = [paths.directory for paths in RunPaths(run_dir).sessions()]
    if only is None:
        if not found:
            raise ConfigError(f"{run_dir}: no sessions here (no */{SESSION_FILE})")
        return found
    chosen = [p for p in found if p.name == only]
    if not chosen:
        names = ", ".join(p.name for p in found) or "none"
        raise ConfigError(f"{run_dir}: no session {only!r} (sessions: {names})")
    return chosen


def _turns(session_dir: Path) -> list[Turn]:
    try:
        return list(read_transcript(session_dir).turns)
    except RunFileError:
        return []


def agent_turns(session_dir: Path) -> list[Turn]:
    return [turn for turn in _turns(session_dir) if turn.speaker == "agent"]


def describe(session_dir: Path) -> str:
    """What the reviewer sees: outcome, judges' verdicts, the transcript."""
    paths = SessionPaths(session_dir)
    session = read_object_or_none(paths.session) or {}
    judgement = read_object_or_none(paths.judgement) or {}
    lines = [f"== {session_dir.name}: {session.get('status', '?')}"]
    for verdict in judgement.get("verdicts", []):
        lines.append(f"   {verdict['status']:8} {verdict['judge']}: {verdict['reason']}")
    if judgement:
        lines.append(f"   judges: {'passed' if judgement.get('passed') else 'FAILED'}")
    for turn in _turns(session_dir):
        cut = " [cut off]" if turn.interrupted else ""
        lines.append(f"   {turn.number:2d} {turn.speaker:6} {turn.text}{cut}")
    existing = read_review(session_dir) or {}
    if existing.get("verdict"):
        lines.append(
            f"   reviewed: {existing['verdict']} by {existing.get('reviewer')}: "
            f"{existing.get('notes', '')}"
        )
    tone = tone_labels(session_dir)
    if tone:
        lines.append("   tone: " + ", ".join(f"turn {n} {label}" for n, label in tone.items()))
    return "\n".join(lines)
