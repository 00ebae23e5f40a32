"""Prosody figures as text: the per-turn table and per-side summary `crosstalk analyze` prints."""

from __future__ import annotations

from typing import Any


def _figure(value: Any, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def print_prosody(prosody: dict[str, Any]) -> None:
    """Each side's summary, then one line per turn (docs/metrics.md, "Prosody")."""
    print("  prosody (semitones above 100 Hz; level in dBFS)")
    for side, summary in prosody["sides"].items():
        if not summary["usable"]:
            print(f"    {side:6s} not measurable: {summary['unusable']}")
            if not summary["turns"]:
                continue
        print(
            f"    {side:6s} rate {_figure(summary['wpm_median'], ' wpm')}, pitch "
            f"{_figure(summary['pitch_median_st'], ' st')} (range "
            f"{_figure(summary['pitch_range_st'], ' st')}, variation "
            f"{_figure(summary['pitch_variation_st'], ' st')}"
            f"{', monotone' if summary['monotone'] else ''}), level "
            f"{_figure(summary['level_dbfs'], ' dBFS')} (spread "
            f"{_figure(summary['level_spread_db'], ' dB')}), pauses {summary['pauses']}, "
            f"trailing off in {summary['trailing_off_turns']} of {summary['turns']} turns"
        )
        if summary["arousal_trend"] is not None:
            print(
                f"           across the call: pitch {summary['pitch_trend_st']:+.1f} st, level "
                f"{summary['level_trend_db']:+.1f} dB, arousal {summary['arousal_trend']:+.1f}"
            )
    print("    turn side      start     end    wpm  pitch  range   var  level  pauses  trail")
    for turn in prosody["turns"]:
        rate = _figure(turn["wpm"], digits=0) + ("" if turn["wpm_source"] == "text" else "~")
        print(
            f"    {turn['index']:4d} {turn['side']:6s} {turn['start_s']:8.2f} {turn['end_s']:7.2f}"
            f" {rate:>6s} {_figure(turn['pitch_median_st']):>6s} "
            f"{_figure(turn['pitch_range_st']):>6s} {_figure(turn['pitch_variation_st']):>5s} "
            f"{_figure(turn['level_dbfs']):>6s} {turn['pauses']['count']:7d} "
            f"{_figure(turn['trailing_off_db']):>6s}{' off' if turn['trailing_off'] else ''}"
        )
    print("    (~: rate estimated from syllables: no transcript)")
