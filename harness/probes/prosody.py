"""Prosody per turn from the recording: how fast, how high, how loud, how varied each side spoke.

A turn is one side's run of speech segments (activity.py) until the other side speaks. For each
turn: speaking rate (words per minute over the speech span when the transcript gives the words,
else syllables per second from the level contour), pitch (median and spread in semitones on the
voiced frames, pitch.py), active speech level in dBFS, pauses inside the turn and trailing off
(the level falling at the turn's end). `side_summary` condenses a side's turns, including the
trend of pitch and level across the call (a rising caller "arousal"). docs/metrics.md defines
every figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .activity import ActivityOptions, speech_segments
from .pitch import PitchOptions, frame_levels_db, semitones, track_pitch
from .recording import StereoRecording

SIDES = ("caller", "agent")


@dataclass(frozen=True)
class ProsodyOptions:
    pitch: PitchOptions = PitchOptions()
    active_below_peak_db: float = 30.0  # a 10 ms frame this far under the turn's loud frames: quiet
    pause_min_s: float = 0.20  # a quiet stretch this long inside a turn is a pause
    tail_fraction: float = 0.15  # trailing off compares the last 15 % of the speech span...
    tail_min_s: float = 0.30  # ... (at least this long) with the rest of it
    trailing_off_db: float = 6.0  # a tail this much quieter than the rest trails off
    min_voiced_s: float = 0.30  # fewer voiced seconds than this: no pitch figures for the turn
    syllables_per_word: float = 1.45  # English speech, for a rate estimate with no transcript
    monotone_below_st: float = 1.0  # a side whose turns vary less than this (median) is flat
    clipped_at: float = 0.999  # |sample| at or above this is clipped


@dataclass(frozen=True)
class Pauses:
    count: int
    total_s: float
    longest_s: float


@dataclass(frozen=True)
class TurnProsody:
    """One turn's figures (None where the turn gives too little to measure)."""

    index: int  # 1-based over both sides, in time order
    side: str
    start_s: float
    end_s: float
    speech_s: float  # first to last active frame
    voiced_s: float
    words: int | None  # from the transcript; None when there is no text for the turn
    wpm: float | None
    wpm_source: str  # "text" | "syllables"
    syllables_per_s: float | None
    pitch_median_hz: float | None
    pitch_median_st: float | None  # semitones above 100 Hz
    pitch_range_st: float | None  # 90th - 10th percentile of the voiced frames
    pitch_variation_st: float | None  # standard deviation of the voiced frames (monotone: low)
    level_dbfs: float | None  # active speech level
    pauses: Pauses
    trailing_off_db: float | None  # the rest's level minus the tail's
    trailing_off: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def _power_db(levels_db: np.ndarray) -> float | None:
    if levels_db.size == 0:
        return None
    return float(10.0 * np.log10(np.mean(10.0 ** (levels_db / 10.0))))


def turns_of(recording: StereoRecording, activity: ActivityOptions | None = None) -> list[tuple]:
    """(side, start_s, end_s) of every turn: a side's segments until the other side starts."""
    rate = recording.sample_rate
    spans = [
        (start / rate, end / rate, side)
        for side, samples in (("caller", recording.caller), ("agent", recording.agent))
        for start, end in speech_segments(samples, rate, activity)
    ]
    turns: list[list[Any]] = []
    for start, end, side in sorted(spans):
        if turns and turns[-1][0] == side:
            turns[-1][2] = max(turns[-1][2], end)
        else:
            turns.append([side, start, end])
    return [tuple(turn) for turn in turns]


def _syllables(levels_db: np.ndarray, active: np.ndarray) -> int:
    """Syllable nuclei: peaks of the smoothed level at least 3 dB over the dip before them,
    100 ms apart, on active frames."""
    if levels_db.size < 3:
        return 0
    smooth = np.convolve(levels_db, np.ones(5) / 5, mode="same")
    count, last_peak, valley = 0, -10, smooth[0]
    for i in range(1, len(smooth) - 1):
        valley = min(valley, smooth[i])
        peak = smooth[i] >= smooth[i - 1] and smooth[i] > smooth[i + 1] and active[i]
        if peak and smooth[i] - valley >= 3.0 and i - last_peak >= 10:
            count, last_peak, valley = count + 1, i, smooth[i]
    return count


def _pauses(active: np.ndarray, hop_s: float, min_s: float) -> Pauses:
    lengths, run = [], 0
    for is_active in active:
        if is_active:
            if run * hop_s >= min_s:
                lengths.append(run * hop_s)
            run = 0
        else:
            run += 1
    return Pauses(len(lengths), round(sum(lengths), 3), round(max(lengths, default=0.0), 3))


def measure_turn(
    samples: np.ndarray,
    rate: int,
    span: tuple[str, float, float],
    words: int | None,
    index: int,
    options: ProsodyOptions,
) -> TurnProsody:
    side, start_s, end_s = span
    hop_s = options.pitch.hop_s
    hop = max(1, round(hop_s * rate))
    first = int(start_s / hop_s)
    levels = frame_levels_db(samples[first * hop : int(np.ceil(end_s / hop_s)) * hop], hop)
    loud = float(np.percentile(levels, 95)) if levels.size else -120.0
    active = levels > loud - options.active_below_peak_db
    where = np.flatnonzero(active)
    inner = slice(int(where[0]), int(where[-1]) + 1) if where.size else slice(0, 0)
    levels, active = levels[inner], active[inner]
    speech_s = levels.size * hop_s
    frames = first + inner.start + np.flatnonzero(active)
    f0, voiced = track_pitch(samples, rate, frames, options.pitch)
    voiced_s = float(voiced.sum()) * hop_s
    pitch = semitones(f0[voiced]) if voiced_s >= options.min_voiced_s else np.empty(0)
    syllables = _syllables(levels, active)
    syllable_rate = syllables / speech_s if speech_s > 0 else None
    if words and speech_s > 0:
        wpm, source = words / speech_s * 60.0, "text"
    else:
        wpm = syllable_rate * 60.0 / options.syllables_per_word if syllable_rate else None
        source = "syllables"
    tail = max(round(levels.size * options.tail_fraction), round(options.tail_min_s / hop_s))
    trailing = None
    if levels.size >= 2 * tail:
        rest_db = _power_db(levels[:-tail][active[:-tail]])
        tail_db = _power_db(levels[-tail:][active[-tail:]])  # the span ends on an active frame
        trailing = None if rest_db is None or tail_db is None else rest_db - tail_db
    return TurnProsody(
        index=index,
        side=side,
        start_s=round(start_s, 3),
        end_s=round(end_s, 3),
        speech_s=round(speech_s, 3),
        voiced_s=round(voiced_s, 3),
        words=words,
        wpm=_round(wpm, 1),
        wpm_source=source,
        syllables_per_s=_round(syllable_rate),
        pitch_median_hz=_round(100.0 * 2 ** (np.median(pitch) / 12), 1) if pitch.size else None,
        pitch_median_st=_round(np.median(pitch)) if pitch.size else None,
        pitch_range_st=_round(np.percentile(pitch, 90) - np.percentile(pitch, 10))
        if pitch.size
        else None,
        pitch_variation_st=_round(np.std(pitch)) if pitch.size else None,
        level_dbfs=_round(_power_db(levels[active]), 1),
        pauses=_pauses(active, hop_s, options.pause_min_s),
        trailing_off_db=_round(trailing, 1),
        trailing_off=trailing is not None and trailing >= options.trailing_off_db,
    )


def _trend(times: list[float], values: list[float]) -> float | None:
    """The least-squares line's change from the first turn to the last (None under 3 turns)."""
    if len(values) < 3 or max(times) - min(times) <= 0:
        return None
    slope = np.polyfit(np.asarray(times), np.asarray(values), 1)[0]
    return float(slope * (max(times) - min(times)))


def _median(values: list[float]) -> float | None:
    return float(np.median(values)) if values else None


def side_summary(
    turns: list[TurnProsody], clipped: float, options: ProsodyOptions
) -> dict[str, Any]:
    """One side's turns condensed; `usable` is False (with `unusable`, why) when the recording
    cannot carry a tone verdict: no speech, too little voiced speech, or a clipped channel."""
    pitched = [t for t in turns if t.pitch_median_st is not None]
    levels = [t.level_dbfs for t in turns if t.level_dbfs is not None]
    rates = [t.wpm for t in turns if t.wpm is not None]
    voiced = sum(t.voiced_s for t in turns)
    times = [t.start_s for t in pitched]
    pitch_trend = _trend(times, [t.pitch_median_st for t in pitched])  # type: ignore[misc]
    level_trend = _trend(times, [t.level_dbfs for t in pitched])  # type: ignore[misc]
    arousal = None
    if pitch_trend is not None and level_trend is not None:
        arousal = (pitch_trend + level_trend) / 2.0
    unusable = None
    if not turns:
        unusable = "no speech on this channel"
    elif clipped > 0.001:
        unusable = f"the channel is clipped ({clipped:.1%} of its speech samples at full scale)"
    elif voiced < 2 * options.min_voiced_s or not pitched:
        unusable = f"too little voiced speech to measure ({voiced:.1f} s)"
    variation = _median([t.pitch_variation_st for t in pitched])
    return {
        "turns": len(turns),
        "measured_turns": len(pitched),
        "voiced_s": round(voiced, 2),
        "usable": unusable is None,
        "unusable": unusable,
        "wpm_median": _round(_median(rates), 1),
        "wpm_min": _round(min(rates), 1) if rates else None,
        "wpm_max": _round(max(rates), 1) if rates else None,
        "pitch_median_st": _round(_median([t.pitch_median_st for t in pitched])),
        "pitch_range_st": _round(_median([t.pitch_range_st for t in pitched])),
        "pitch_variation_st": _round(variation),
        "monotone": None if variation is None else variation < options.monotone_below_st,
        "level_dbfs": _round(_median(levels), 1),
        "level_spread_db": _round(max(levels) - min(levels), 1) if levels else None,
        "pauses": sum(t.pauses.count for t in turns),
        "trailing_off_turns": sum(t.trailing_off for t in turns),
        "pitch_trend_st": _round(pitch_trend),
        "level_trend_db": _round(level_trend),
        "arousal_trend": _round(arousal),
        "clipped_fraction": round(clipped, 5),
    }


def _clipped(samples: np.ndarray, turns: list[TurnProsody], rate: int, at: float) -> float:
    spans = [samples[int(t.start_s * rate) : int(t.end_s * rate)] for t in turns]
    total = sum(len(span) for span in spans)
    if total == 0:
        return 0.0
    return sum(int(np.count_nonzero(np.abs(span) >= at)) for span in spans) / total


def _words_in(span: tuple[str, float, float], texts: list[tuple[str, float, float, str]]) -> int:
    side, start, end = span
    return sum(
        len(text.split())
        for speaker, t_start, t_end, text in texts
        if speaker == side and t_start < end + 0.5 and t_end > start - 0.5
    )


def analyze_prosody(
    recording: StereoRecording,
    texts: list[tuple[str, float, float, str]] | None = None,
    options: ProsodyOptions | None = None,
    activity: ActivityOptions | None = None,
) -> dict[str, Any]:
    """Every turn's prosody and each side's summary (probes.json's `prosody`); `texts` are the
    transcript's (speaker, start_s, end_s, text), which give the words per turn."""
    options = options or ProsodyOptions()
    rate = recording.sample_rate
    channels = {"caller": recording.caller, "agent": recording.agent}
    turns = []
    for index, span in enumerate(turns_of(recording, activity), start=1):
        words = _words_in(span, texts) if texts else None
        turns.append(measure_turn(channels[span[0]], rate, span, words or None, index, options))
    sides = {}
    for side in SIDES:
        own = [turn for turn in turns if turn.side == side]
        clipped = _clipped(channels[side], own, rate, options.clipped_at)
        sides[side] = side_summary(own, clipped, options)
    return {"turns": [turn.to_json() for turn in turns], "sides": sides}
