"""The report's tone lane and first-screen lines, from probes.json's prosody and judgement.json."""

from __future__ import annotations

from pathlib import Path

from crosstalk_harness.reports.loading import Session
from crosstalk_harness.reports.timeline import timeline_svg
from crosstalk_harness.reports.tone import tone_lines

TURN = {
    "index": 1,
    "side": "agent",
    "start_s": 1.0,
    "end_s": 3.0,
    "wpm": 231.4,
    "wpm_source": "text",
    "pitch_range_st": 5.0,
    "level_dbfs": -21.2,
    "pauses": {"count": 1, "total_s": 0.3},
    "pitch_median_hz": 120.0,
    "pitch_variation_st": 1.9,
    "trailing_off_db": 7.0,
    "trailing_off": True,
}


def test_each_turn_gets_its_rate_pitch_range_and_level_on_the_tone_lane():
    probes = {"segments": {"agent": [[1.0, 3.0]], "caller": []}, "prosody": {"turns": [TURN]}}
    svg = timeline_svg(probes, 5.0)
    assert '<text class="tone agent"' in svg and "231 wpm · ±2.5 st · -21 dB" in svg
    assert "trails off" in svg
    without = timeline_svg({"segments": probes["segments"]}, 5.0)
    assert "tone agent" not in without and len(without) < len(svg)


def test_a_failed_tone_check_is_a_line_on_the_first_screen(tmp_path: Path):
    session = Session("s1", tmp_path, "completed", "tone_call", "rising_caller")
    session.judgement = {
        "verdicts": [
            {
                "judge": "speaking_rate",
                "status": "failed",
                "reason_kind": "tone",
                "reason": "the agent spoke at up to 240 wpm in 4 of 9 turns",
            },
            {"judge": "must_say", "status": "failed", "reason_kind": "reasoning", "reason": "x"},
        ]
    }
    [line] = tone_lines([{"s": session, "anchor": "s1"}])
    assert line.text == "the agent spoke at up to 240 wpm in 4 of 9 turns" and line.anchor == "s1"
