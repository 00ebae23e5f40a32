"""`crosstalk review RUN_DIR`: record a person's verdict and notes per session in review.json.

Interactively, each session is shown (outcome, the judges' verdicts, the transcript) and the
reviewer answers pass / fail / unsure, or skips. `--session ID --verdict V --notes TEXT` records
one review without a prompt, for scripts. `--tone` asks instead how each agent turn sounded (the
reviewer plays the turn in report.html), and `--session ID --tone 3=rushed 5=good` records tone
labels without a prompt; the calibration set reads them (`crosstalk judge calibrate RUN_DIR`).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_OK, ConfigError, exit_codes_help
from ..judging.review import (
    VERDICTS,
    agent_turns,
    describe,
    read_review,
    sessions_to_review,
    tone_labels,
    write_review,
    write_tone,
)
from ..judging.tone_labels import LABEL_CHOICES
from ..rundir.layout import REVIEW_FILE, RunPaths, SessionPaths
from .arguments import RAW, Subcommands

NAME = "review"
_ANSWERS = {"p": "pass", "f": "fail", "u": "unsure", "s": "skip", "q": "quit"}


@dataclass(frozen=True)
class ReviewOptions:
    run_dir: Path
    reviewer: str
    session: str | None = None
    verdict: str | None = None
    notes: str = ""
    revisit: bool = False
    tone: dict[int, str] | None = None  # {}: ask per agent turn; else record these labels


def add_parser(subcommands: Subcommands) -> None:
    review = subcommands.add_parser(
        NAME,
        help="record a human verdict and notes per session",
        description="Review a run's sessions: see what happened and what the judges said, then "
        f"record pass, fail or unsure with notes in <session>/{REVIEW_FILE} (reports show it "
        "beside the judges' verdict). Without --verdict it asks at the terminal, session by "
        "session.",
        epilog=exit_codes_help(
            "0  recorded (or nothing left to review)",
            "2  bad input (no run directory, no such --session or turn, a bad --verdict or --tone)",
        ),
        formatter_class=RAW,
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
    review.add_argument(
        "--tone",
        nargs="*",
        metavar="TURN=LABEL",
        help="label how agent turns sounded, by ear: with no value, ask turn by turn; with "
        f"values (e.g. 3=rushed), record them for --session. Labels: {', '.join(LABEL_CHOICES)}",
    )


def handle(args: argparse.Namespace) -> int:
    return review(
        ReviewOptions(
            run_dir=args.run_dir,
            reviewer=args.reviewer or _default_reviewer(),
            session=args.session,
            verdict=args.verdict,
            notes=args.notes,
            revisit=args.all,
            tone=None if args.tone is None else _tone_pairs(args.tone),
        )
    )


def _tone_pairs(values: list[str]) -> dict[int, str]:
    labels = {}
    for value in values:
        turn, _, label = value.partition("=")
        if not turn.strip().isdigit() or label not in LABEL_CHOICES:
            raise ConfigError(
                f"--tone {value!r}: expected TURN=LABEL, e.g. 3=rushed",
                hint=f"labels: {', '.join(LABEL_CHOICES)}",
            )
        labels[int(turn)] = label
    return labels


def review_tone_interactively(
    sessions: list[Path], reviewer: str, ask: Callable[[str], str] = input
) -> int:
    """Ask a tone label for each agent turn; returns how many turns were labelled."""
    keys = {label[0]: label for label in LABEL_CHOICES}  # each starts with its own letter
    prompt = " ".join(f"[{label[0]}]{label[1:]}" for label in LABEL_CHOICES)
    written = 0
    for session_dir in sessions:
        print(describe(session_dir))
        for turn in agent_turns(session_dir):
            try:
                answer = ask(f"turn {turn.number} sounded: {prompt}, Enter to skip: ")
            except EOFError:
                return written
            label = keys.get(answer.strip().lower()[:1])
            if label:
                write_tone(session_dir, {turn.number: label}, reviewer)
                written += 1
    return written


def _default_reviewer() -> str:
    try:
        return os.environ.get("CROSSTALK_REVIEWER") or getpass.getuser()
    except Exception:
        return "unknown"


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


def _review_tone(options: ReviewOptions, labels: dict[int, str]) -> int:
    if labels:
        if not options.session:
            raise ConfigError("--tone TURN=LABEL needs --session ID: which session it is for")
        [session_dir] = sessions_to_review(options.run_dir, options.session)
        merged = write_tone(session_dir, labels, options.reviewer)
        shown = ", ".join(f"turn {n} {label}" for n, label in merged.items())
        print(f"{SessionPaths(session_dir).review}: tone {shown}")
        return EXIT_OK
    sessions = sessions_to_review(options.run_dir, options.session)
    if not options.revisit and not options.session:
        sessions = [s for s in sessions if not tone_labels(s)]
    if not sys.stdin.isatty():
        raise ConfigError(
            "no terminal to ask at", hint="record tone labels with --session ID --tone 3=rushed"
        )
    report = RunPaths(options.run_dir).report
    print(f"play each turn in {report} (the agent alone: its 'agent' button)")
    written = review_tone_interactively(sessions, options.reviewer)
    print(f"{written} turn(s) labelled")
    return EXIT_OK


def review(options: ReviewOptions) -> int:
    if options.tone is not None:
        return _review_tone(options, options.tone)
    if options.verdict:
        if not options.session:
            raise ConfigError("--verdict needs --session ID: which session it is for")
        [session_dir] = sessions_to_review(options.run_dir, options.session)
        document = write_review(session_dir, options.verdict, options.notes, options.reviewer)
        print(f"{SessionPaths(session_dir).review}: {document['verdict']}")
        return EXIT_OK
    sessions = sessions_to_review(options.run_dir, options.session)
    if not options.revisit and not options.session:
        sessions = [s for s in sessions if (read_review(s) or {}).get("verdict") is None]
    if not sys.stdin.isatty():
        raise ConfigError(
            "no terminal to ask at",
            hint="record a review with --session ID --verdict pass|fail|unsure",
        )
    if not sessions:
        print(f"every session in {options.run_dir} has a review (--all to revisit)")
        return EXIT_OK
    written = review_interactively(sessions, options.reviewer)
    print(f"{written} review(s) written")
    return EXIT_OK
