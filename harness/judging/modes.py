"""What a text-mode session can and cannot show, from the scenario and persona it ran with.

A text-mode call replaces the audio path with text turns (transport/text_link.py): reasoning,
tools, policies, guardrails, the database and the rubrics are judged as in audio; what only
audio can show (timing budgets, interruptions, backchannels, line impairments, tone of voice,
the call's spoken length) is *not measured in text mode*. That is by design, not a gap: a text
session passes on what it could judge. One with nothing left to judge is inconclusive
("nothing asked in text mode"); `outcome.decide` asks `text_asks` for that.
"""

from __future__ import annotations

from typing import Any

MODES = ("audio", "text")
NOT_MEASURED = "not measured in text mode"
NOTHING_ASKED = "nothing asked in text mode: every check of this scenario needs audio"
# checks whose figure is the audio's own (a text call's length is not its spoken length)
AUDIO_ONLY_CHECKS = frozenset({"max_duration", "no_takeover", "asides_ignored", "entities_heard"})


def mode_of(document: dict[str, Any]) -> str:
    """The session's mode from its session.json (directories from before modes are audio)."""
    mode = document.get("mode")
    return mode if mode in MODES else "audio"


def cell_variant(document: dict[str, Any]) -> str:
    """The session's matrix variant, with "text" added for a text-mode session: a text twin's
    repeats are a cell of their own, never mixed with its audio cell's."""
    variant = str(document.get("variant") or "")
    text = "text" if mode_of(document) == "text" else ""
    return "-".join(part for part in (variant, text) if part)


def _check_name(entry: Any) -> str:
    if isinstance(entry, dict) and len(entry) == 1:
        return str(next(iter(entry)))
    return str(entry)


def text_asks(scenario: dict[str, Any]) -> list[str]:
    """The checks and rubrics a text-mode call of `scenario` judges."""
    success = scenario.get("success") or {}
    checks = [_check_name(entry) for entry in success.get("checks") or []]
    return [name for name in checks if name not in AUDIO_ONLY_CHECKS] + [
        str(name) for name in success.get("rubrics") or []
    ]


def audio_asks(scenario: dict[str, Any]) -> list[str]:
    """The budgets and checks of `scenario` that only audio can judge."""
    success = scenario.get("success") or {}
    budgets = [name for name, limit in (scenario.get("budgets") or {}).items() if limit is not None]
    checks = [_check_name(entry) for entry in success.get("checks") or []]
    return budgets + [name for name in checks if name in AUDIO_ONLY_CHECKS]


def not_measured_in_text(scenario: dict[str, Any], persona: dict[str, Any]) -> list[str]:
    """Each audio-only ask or behaviour of this scenario, one line each."""
    lines = [
        f"budget {name}: {NOT_MEASURED}"
        for name, limit in (scenario.get("budgets") or {}).items()
        if limit is not None
    ]
    success = scenario.get("success") or {}
    lines += [
        f"check {name}: {NOT_MEASURED}"
        for name in (_check_name(entry) for entry in success.get("checks") or [])
        if name in AUDIO_ONLY_CHECKS
    ]
    script = persona.get("script") or []
    if any(isinstance(line, dict) and line.get("interrupt") for line in script):
        lines.append(f"the caller's scripted barge-ins: {NOT_MEASURED}")
    said = [line.get("say", "") if isinstance(line, dict) else str(line) for line in script]
    if any("{pause" in text for text in said):
        lines.append(f"the caller's pauses inside a turn: {NOT_MEASURED}")
    if any(isinstance(line, dict) and line.get("aside") for line in script):
        lines.append(f"the caller's asides (said to someone else): {NOT_MEASURED}")
    turn_taking = persona.get("turn_taking") or {}
    for name, what in (("barge_in", "barge-ins"), ("backchannels", "backchannels")):
        if turn_taking.get(name):
            lines.append(f"the caller's {what}: {NOT_MEASURED}")
    link = scenario.get("link") or {}
    channels = [link.get("impairments") or {}, persona.get("channel") or {}]
    if any(channel.get(way) for channel in channels for way in channel):
        lines.append(f"the line's impairments (noise, band, loss, jitter): {NOT_MEASURED}")
    return lines
