"""`crosstalk review RUN_DIR`: a person's verdict and notes per session, kept in review.json.

Interactively, each session is shown (outcome, the judges' verdicts, the transcript) and the
reviewer answers pass / fail / unsure, or skips. `--session ID --verdict V --notes TEXT` records
one review without a prompt, for scripts.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..artifacts import write_json
from ..errors import EXIT_OK, ConfigError, exit_codes_help

REVIEW_FILE = "review.json"
ReviewVerdict = Literal["pass", "fail", "unsure"]
VERDICTS: tuple[str, ...] = ("pass", "fail", "unsure")
_ANSWERS = {"p": "pass", "f": "fail", "u": "unsure", "s": "skip", "q": "quit"}


def add_parser(subcommands: Any) -> None:
    review = subcommands.add_parser(
        "review",
        help="record a human verdict and notes per session",
        description="Review a run's sessions: see what happened and what the judges said, then "
        "record pass, fail or unsure with notes in <session>/review.json (reports show it beside "
        "the judges' verdict). Without --verdict it asks at the terminal, session by session.",
        epilog=exit_codes_help(
            "0  recorded (or nothing left to review)",
            "2  bad input (not a run directory, no such --session, a bad --verdict)",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    review.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    review.add_argument("--session", metavar="ID", help="only this session (its folder name)")
    review.add_argument("--verdict", choices=VERDICTS, help="record this verdict, no prompt")
    review.add_argument("--notes", default="", help="notes to record with --verdict")
    review.add_argument(
        "--reviewer", help="who reviews (default: CROSSTALK_REVIEWER or the login name)"
    )
    review.add_argument(
        "--all", action="store_true", help="also revisit sessions that already have a review"
    )


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


def _default_reviewer() -> str:
    try:
        return os.environ.get("CROSSTALK_REVIEWER") or getpass.getuser()
    except Exception:
        return "unknown"


def _sessions(run_dir: Path, only: str | None) -> list[Path]:
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


def review_interactively(
    sessions: list[Path], reviewer: str, ask: Callable[[str], str] = input
) -> int:
    """Prompt for each session; returns how many reviews were written."""
    written = 0
    for session_dir in sessions:
        print(describe(session_dir))
        while True:
            try:
                answer = ask("verdict [p]ass [f]ail [u]nsure [s]kip [q]uit: ").strip().lower()
            except EOFError:
                return written
            choice = _ANSWERS.get(answer[:1]) if answer else None
            if choice:
                break
            print("   answer p, f, u, s or q")
        if choice == "quit":
            break
        if choice == "skip":
            continue
        try:
            notes = ask("notes (Enter for none): ").strip()
        except EOFError:
            notes = ""
        write_review(session_dir, choice, notes, reviewer)
        written += 1
    return written


def run(args: argparse.Namespace) -> int:
    reviewer = args.reviewer or _default_reviewer()
    if args.verdict:
        if not args.session:
            raise ConfigError("--verdict needs --session ID: which session it is for")
        [session_dir] = _sessions(args.run_dir, args.session)
        document = write_review(session_dir, args.verdict, args.notes, reviewer)
        print(f"{session_dir / REVIEW_FILE}: {document['verdict']}")
        return EXIT_OK
    sessions = _sessions(args.run_dir, args.session)
    if not args.all and not args.session:
        sessions = [s for s in sessions if read_review(s) is None]
    if not sys.stdin.isatty():
        raise ConfigError(
            "no terminal to ask at",
            hint="record a review with --session ID --verdict pass|fail|unsure",
        )
    if not sessions:
        print(f"every session in {args.run_dir} has a review (--all to revisit)")
        return EXIT_OK
    written = review_interactively(sessions, reviewer)
    print(f"{written} review(s) written")
    return EXIT_OK
