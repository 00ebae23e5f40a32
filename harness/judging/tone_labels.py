"""Tone labels a person gives a turn by ear, and what they say about the `tone_and_delivery` rubric.

A reviewer labels an agent turn `good` or names what was wrong with how it sounded (`flat`,
`rushed`, `slow`, `loud`, `quiet`, `trailing`), or `unsure`. Each problem belongs to one of the
rubric's criteria, so a call's turn labels become a pass/fail per criterion: a criterion fails
when any labelled turn has one of its problems. Those are the labels calibration compares the
audio judge with (judging/calibration.py).
"""

from __future__ import annotations

from typing import Literal

TONE_RUBRIC = "tone_and_delivery"
UNSURE = "unsure"
# label -> the criterion of TONE_RUBRIC it fails (None: the turn sounded right)
TONE_LABELS: dict[str, str | None] = {
    "good": None,
    "flat": "expressive",
    "rushed": "well_paced",
    "slow": "well_paced",
    "loud": "steady_level",
    "quiet": "steady_level",
    "trailing": "steady_level",
}
LABEL_CHOICES: tuple[str, ...] = (*TONE_LABELS, UNSURE)
CRITERIA: tuple[str, ...] = ("expressive", "well_paced", "steady_level")


def criterion_labels(tone: dict[int, str]) -> dict[str, Literal["pass", "fail"]]:
    """Per criterion of TONE_RUBRIC, from a call's turn labels; empty when no turn was labelled
    with anything but `unsure` (nothing a person decided)."""
    decided = [label for label in tone.values() if label != UNSURE]
    if not decided:
        return {}
    failed = {TONE_LABELS[label] for label in decided}
    return {name: "fail" if name in failed else "pass" for name in CRITERIA}
