"""The built-in tone checks: how the agent (or the caller) sounded, from probes.json's prosody.

Tone is read from the recording, not the clock: untrusted timing does not excuse these checks.
They are not judged (inconclusive) only when the recording cannot carry them: no prosody in
probes.json (a text-mode call), or a side the prosody probe found unusable (no speech, a clipped
channel, too little voiced speech), with that reason. Figures are defined in docs/metrics.md.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from ..rundir.layout import PROBES_FILE
from .registry import CheckArgs, CheckOutcome, check
from .session_data import SessionData

Side = Literal["agent", "caller"]
MIN_WORDS = 4  # a shorter turn ("yes", "thanks") gives no speaking rate worth judging


def _side(session: SessionData, side: str) -> tuple[dict[str, Any] | None, str | None]:
    """The side's prosody summary, or why there is none to judge."""
    prosody = session.probes.get("prosody")
    if not isinstance(prosody, dict):
        return None, f"no prosody in {PROBES_FILE} (no recording was measured: a text-mode call?)"
    summary = (prosody.get("sides") or {}).get(side) or {}
    if not summary.get("usable"):
        return None, f"the {side}'s recording is unusable: {summary.get('unusable') or 'unknown'}"
    return summary, None


def _figure(session: SessionData, side: str, name: str, what: str) -> tuple[float | None, str]:
    """A side's summary figure `name`, or None and why it cannot be judged."""
    summary, why = _side(session, side)
    if summary is None:
        return None, why or ""
    value = summary.get(name)
    return (None, f"no {what} measured for the {side}") if value is None else (float(value), "")


def _turns(session: SessionData, side: str) -> list[dict[str, Any]]:
    turns = (session.probes.get("prosody") or {}).get("turns") or []
    return [turn for turn in turns if turn.get("side") == side]


class RateArgs(CheckArgs):
    speaker: Side = Field("agent", description="whose turns are judged")
    min_wpm: float | None = Field(None, gt=0, description="slowest rate allowed, words/minute")
    max_wpm: float | None = Field(None, gt=0, description="fastest rate allowed, words/minute")
    max_turns_outside: int = Field(0, ge=0, description="how many turns may fall outside the range")

    @model_validator(mode="after")
    def _a_limit(self) -> RateArgs:
        if self.min_wpm is None and self.max_wpm is None:
            raise ValueError("give min_wpm, max_wpm or both")
        if self.min_wpm is not None and self.max_wpm is not None and self.min_wpm > self.max_wpm:
            raise ValueError("min_wpm is above max_wpm")
        return self


@check("speaking_rate", RateArgs, kind="tone")
def speaking_rate(session: SessionData, args: RateArgs) -> CheckOutcome:
    """The speaker's rate (words per minute, each turn of 4+ words) stayed within the range."""
    _, why = _side(session, args.speaker)
    if why:
        return CheckOutcome(None, why)
    rated = [
        turn
        for turn in _turns(session, args.speaker)
        if turn.get("wpm") is not None and (turn.get("words") or 0) >= MIN_WORDS
    ]
    if not rated:
        return CheckOutcome(None, f"no turn of the {args.speaker} with {MIN_WORDS}+ words to rate")
    fast = [t["wpm"] for t in rated if args.max_wpm is not None and t["wpm"] > args.max_wpm]
    slow = [t["wpm"] for t in rated if args.min_wpm is not None and t["wpm"] < args.min_wpm]
    parts = []
    if fast:
        parts.append(f"at up to {max(fast):.0f} wpm in {len(fast)} of {len(rated)} turns")
    if slow:
        parts.append(f"at down to {min(slow):.0f} wpm in {len(slow)} of {len(rated)} turns")
    rates = [t["wpm"] for t in rated]
    if len(fast) + len(slow) > args.max_turns_outside:
        return CheckOutcome(False, f"the {args.speaker} spoke " + " and ".join(parts))
    return CheckOutcome(
        True,
        f"the {args.speaker} spoke at {min(rates):.0f}-{max(rates):.0f} wpm over "
        f"{len(rated)} turns",
    )


class SteadyArgs(CheckArgs):
    speaker: Side = Field("agent", description="whose turns are judged")
    max_spread_db: float = Field(6.0, gt=0, description="loudest turn minus quietest turn, in dB")


@check("loudness_steady", SteadyArgs, kind="tone")
def loudness_steady(session: SessionData, args: SteadyArgs) -> CheckOutcome:
    """The speaker's level stayed steady: its loudest and quietest turns within `max_spread_db`."""
    spread, why = _figure(session, args.speaker, "level_spread_db", "level")
    if spread is None:
        return CheckOutcome(None, why)
    verdict = spread <= args.max_spread_db
    return CheckOutcome(
        verdict,
        f"the {args.speaker}'s level varied by {spread:.1f} dB across the call "
        f"({'within' if verdict else 'more than'} {args.max_spread_db:g} dB)",
    )


class MonotoneArgs(CheckArgs):
    speaker: Side = Field("agent", description="whose turns are judged")
    min_variation_st: float = Field(
        1.0, gt=0, description="least pitch variation within a turn (median), in semitones"
    )


@check("not_monotone", MonotoneArgs, kind="tone")
def not_monotone(session: SessionData, args: MonotoneArgs) -> CheckOutcome:
    """The speaker's pitch moved within its turns (not a flat, monotone delivery)."""
    variation, why = _figure(session, args.speaker, "pitch_variation_st", "pitch")
    if variation is None:
        return CheckOutcome(None, why)
    verdict = variation >= args.min_variation_st
    return CheckOutcome(
        verdict,
        f"the {args.speaker}'s pitch varied by {variation:.1f} semitones within a turn "
        f"(median; {'at least' if verdict else 'under'} {args.min_variation_st:g}: "
        f"{'expressive' if verdict else 'monotone'})",
    )


class ArousalArgs(CheckArgs):
    max_rise: float = Field(
        2.0,
        gt=0,
        description="largest rise of the caller's arousal across the call: the mean of its "
        "pitch rise (semitones) and level rise (dB), fitted over its turns",
    )


@check("caller_arousal_not_rising", ArousalArgs, kind="tone")
def caller_arousal_not_rising(session: SessionData, args: ArousalArgs) -> CheckOutcome:
    """The caller's voice did not rise in pitch and level across the call (a frustration proxy)."""
    summary, why = _side(session, "caller")
    if summary is None:
        return CheckOutcome(None, why or "")
    arousal = summary.get("arousal_trend")
    if arousal is None:
        return CheckOutcome(None, "fewer than 3 caller turns with pitch: no trend to fit")
    verdict = arousal <= args.max_rise
    return CheckOutcome(
        verdict,
        f"the caller's arousal {'rose' if arousal > 0 else 'changed'} by {arousal:+.1f} across "
        f"the call (pitch {summary['pitch_trend_st']:+.1f} st, level "
        f"{summary['level_trend_db']:+.1f} dB; at most {args.max_rise:+g})",
    )
