"""A person's verdict and notes per session, kept in review.json (`crosstalk review` writes it).

What the reviewer is shown of a session (outcome, the judges' verdicts, the transcript), which
sessions a run has to review, and the review file itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..artifacts import write_json
from ..errors import ConfigError

REVIEW_FILE = "review.json"
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
    path = session_dir / REVIEW_FILE
    write_json(path, document)
    return document


def read_review(session_dir: Path) -> dict[str, Any] | None:
    path = session_dir / REVIEW_FILE
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def sessions_to_review(run_dir: Path, only: str | None) -> list[Path]:
    """The sessions of `run_dir` (only the one named `only`, if given)."""
    if not run_dir.is_dir():
        raise ConfigError(f"{run_dir}: no such run directory")
    found = sorted(p.parent for p in run_dir.glob("*/session.json"))
    if only is None:
        if not found:
            raise ConfigError(f"{run_dir}: no sessions here (no */session.json)")
        return found
    chosen = [p for p in found if p.name == only]
    if not chosen:
        names = ", ".join(p.name for p in found) or "none"
        raise ConfigError(f"{run_dir}: no session {only!r} (sessions: {names})")
    return chosen


def _read(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def describe(session_dir: Path) -> str:
    """What the reviewer sees: outcome, judges' verdicts, the transcript."""
    session = _read(session_dir / "session.json")
    judgement = _read(session_dir / "judgement.json")
    lines = [f"== {session_dir.name}: {session.get('status', '?')}"]
    for verdict in judgement.get("verdicts", []):
        lines.append(f"   {verdict['status']:8} {verdict['judge']}: {verdict['reason']}")
    if judgement:
        lines.append(f"   judges: {'passed' if judgement.get('passed') else 'FAILED'}")
    for number, turn in enumerate(_read(session_dir / "transcript.json").get("turns", []), 1):
        cut = " [cut off]" if turn.get("interrupted") else ""
        lines.append(f"   {number:2d} {turn.get('speaker', '?'):6} {turn.get('text', '')}{cut}")
    existing = read_review(session_dir)
    if existing:
        lines.append(
            f"   reviewed: {existing['verdict']} by {existing['reviewer']}: {existing['notes']}"
        )
    return "\n".join(lines)
