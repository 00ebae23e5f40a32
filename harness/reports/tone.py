"""How the call sounded, in the report: the timeline's tone lane (each turn's speaking rate, pitch
range and level, from probes.json's prosody) and the first screen's line per failed tone check.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .loading import Session

TONE_LANE_HEIGHT = 40.0  # what the lane adds below the timeline's tick labels


def _label(turn: dict[str, Any]) -> str:
    parts = []
    if turn.get("wpm") is not None:
        parts.append(f"{turn['wpm']:.0f} wpm" + ("" if turn.get("wpm_source") == "text" else "~"))
    if turn.get("pitch_range_st") is not None:
        parts.append(f"±{turn['pitch_range_st'] / 2:.1f} st")
    if turn.get("level_dbfs") is not None:
        parts.append(f"{turn['level_dbfs']:.0f} dB")
    return " · ".join(parts)


def _tooltip(turn: dict[str, Any]) -> str:
    pauses = turn.get("pauses") or {}
    figures = [
        f"{turn.get('side')} turn {turn.get('index')}, {turn.get('start_s')}–{turn.get('end_s')} s",
        f"rate {turn.get('wpm')} wpm ({turn.get('wpm_source')})",
        f"pitch median {turn.get('pitch_median_hz')} Hz, range {turn.get('pitch_range_st')} st, "
        f"variation {turn.get('pitch_variation_st')} st",
        f"level {turn.get('level_dbfs')} dBFS",
        f"pauses {pauses.get('count', 0)} ({pauses.get('total_s', 0)} s)",
        f"trailing off {turn.get('trailing_off_db')} dB"
        + (" (trails off)" if turn.get("trailing_off") else ""),
    ]
    return html.escape("\n".join(figures))


def tone_lane_svg(
    prosody: dict[str, Any] | None, x: Callable[[float], float], top: float
) -> list[str]:
    """SVG elements of the tone lane starting at `top`: per turn, its rate, pitch range and level
    at the turn's start (agent on the upper row, caller on the lower), full figures on hover."""
    turns = (prosody or {}).get("turns") or []
    if not turns:
        return []
    rows = {"agent": top + 14.0, "caller": top + 30.0}
    out = [f'<text class="lane tone" x="4" y="{top + 22.0}">tone</text>']
    for turn in turns:
        side = turn.get("side")
        if side not in rows or not _label(turn):
            continue
        start = float(turn.get("start_s") or 0.0)
        out.append(
            f'<text class="tone {side}" x="{x(start)}" y="{rows[side]}" '
            f'data-seek="{start:.3f}">{html.escape(_label(turn))}'
            f"<title>{_tooltip(turn)}</title></text>"
        )
    return out


@dataclass(frozen=True)
class ToneLine:
    """A failed tone check on the first screen: which session, and what was heard."""

    label: str
    anchor: str
    text: str


def tone_lines(views: list[dict[str, Any]]) -> list[ToneLine]:
    """One line per failed tone check, e.g. "the agent spoke at up to 230 wpm in 4 of 9 turns"."""
    lines = []
    for view in views:
        session: Session = view["s"]
        for verdict in (session.judgement or {}).get("verdicts", []):
            if verdict.get("reason_kind") == "tone" and verdict.get("status") == "failed":
                lines.append(ToneLine(session.label, view["anchor"], str(verdict.get("reason"))))
    return lines
