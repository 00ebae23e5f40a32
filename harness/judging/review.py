"""A person's verdict and notes per session, kept in review.json (`crosstalk review` writes it).

What the reviewer is shown of a session (outcome, the judges' verdicts, the transcript), which
sessions a run has to review, and the review file itself.
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

ReviewVerdict = Literal["pass", "fail", "unsure"]
VERDICTS: tuple[str, ...] = ("pass", "fail", "unsure")


def write_review(
    session_dir: Path, verdict: str, notes: str, reviewer: str, at: datetime | None = None
) -> dict[str, str]:
    if verdict not in VERDICTS:
        raise ConfigError(f"verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
    document = {
        "verdict": verdict,
        "notes": notes,
        "reviewer": reviewer,
        "at": (at or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    write_json(SessionPaths(session_dir).review, document)
    return document


def read_review(session_dir: Path) -> dict[str, Any] | None:
    return read_optional_object(SessionPaths(session_dir).review)


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
    existing = read_review(session_dir)
    if existing:
        lines.append(
            f"   reviewed: {existing['verdict']} by {existing['reviewer']}: {existing['notes']}"
        )
    return "\n".join(lines)
