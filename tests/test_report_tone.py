"""Review by ear in the report: each turn can be played alone (both sides, or one), beside its
prosody figures (when probes.json has them) and the audio judge's tone verdicts for it.

Every commit: the page's markup and data, from a run directory built in code. Slow tier: headless
Chromium (Debian's package, outside pip) plays one side of one turn and stops at the turn's end.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from crosstalk_harness.reports.outputs import write_run_outputs
from crosstalk_harness.rundir.layout import SessionPaths
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

from .test_report_e2e import CHROMIUM, CHROMIUM_FLAGS, _chromium_or_fail

TURN_S = 1.2


def tone_judgement(at_s: float) -> dict[str, Any]:
    def criterion(name: str, passed: bool, turn: int, quote: str) -> dict[str, Any]:
        evidence = [{"turn": turn, "quote": quote, "found": True, "at_s": at_s}]
        rationale = "spoken too fast" if not passed else "even"
        return {
            "name": name,
            "score": float(passed),
            "max_score": 1.0,
            "passed": passed,
            "rationale": rationale,
            "evidence": evidence,
        }

    return {
        "schema": "crosstalk.judgement/1",
        "passed": False,
        "score": 0.5,
        "verdicts": [
            {
                "judge": "tone_and_delivery",
                "kind": "rubric",
                "status": "failed",
                "score": 0.5,
                "reason": "well_paced: fail",
                "criteria": [
                    criterion("well_paced", False, 3, "shipped yesterday"),
                    criterion("steady_level", True, 3, "arrives on Friday"),
                ],
            }
        ],
    }


def tone_run(tmp_path: Path, *, prosody: bool = True) -> tuple[Path, list[dict[str, Any]]]:
    run = write_run(tmp_path, [FakeSession(turn_s=TURN_S)])
    session = SessionPaths(next(p for p in run.iterdir() if p.is_dir()))
    turns = json.loads(session.transcript.read_text())["turns"]
    third = turns[2]
    (session.judgement).write_text(json.dumps(tone_judgement(third["start_s"] + 0.5)))
    if prosody:
        probes = json.loads(session.probes.read_text())
        measured = {
            "side": "agent",
            "start_s": third["start_s"] + 0.02,
            "end_s": third["end_s"] - 0.01,
            "wpm": 231.4,
            "pitch_median_hz": 182.2,
            "pitch_range_st": 1.2,
            "level_dbfs": -18.04,
            "pauses": {"count": 0, "total_s": 0.0, "longest_s": 0.0},
            "trailing_off": True,
            "trailing_off_db": 7.4,
        }
        caller = {**measured, "side": "caller", "start_s": turns[1]["start_s"], "wpm": 150.0}
        probes["prosody"] = {"turns": [caller, measured]}
        session.probes.write_text(json.dumps(probes))
    return run, turns


def turn_item(page: str, number: int) -> str:
    match = re.search(rf'<li class="turn[^"]*"[^>]*data-turn="{number}">(.*?)</li>', page, re.S)
    assert match, f"no turn {number} in the page"
    return match.group(1)


def test_each_turn_plays_alone_beside_its_figures_and_tone_verdicts(tmp_path):
    run, _ = tone_run(tmp_path)
    write_run_outputs(run)
    page = (run / "report.html").read_text(encoding="utf-8")
    third, first = turn_item(page, 3), turn_item(page, 1)
    for item in (first, third):
        assert re.findall(r'data-play="(\w+)"', item) == ["both", "caller", "agent"]
    assert "rate</small> 231 wpm" in third and "pitch</small> 182 Hz" in third
    assert "pitch range</small> 1.2 st" in third and "level</small> -18.0 dBFS" in third
    assert "trails off</small> 7 dB" in third and "pauses" not in third
    assert 'class="badge failed" title="spoken too fast"' in third
    assert "tone_and_delivery · well_paced fail at 0:05.4" in third
    assert "tone_and_delivery · steady_level ok" in third
    assert "rate</small> 150 wpm" in turn_item(page, 2)  # the caller's turn: the caller's figures
    assert 'class="prosody"' not in first and 'class="tone"' not in first  # nothing measured


def test_a_reviewers_tone_label_shows_beside_its_turn(tmp_path):
    run, _ = tone_run(tmp_path)
    review = SessionPaths(run / "01-order_status").review
    review.write_text(json.dumps({"tone": {"3": "rushed", "5": "good"}}))
    write_run_outputs(run)
    page = (run / "report.html").read_text(encoding="utf-8")
    assert 'class="badge failed" title="a reviewer' in turn_item(page, 3)
    assert "by ear: rushed" in turn_item(page, 3) and "by ear: good" in turn_item(page, 5)
    assert "by ear" not in turn_item(page, 1)
    assert "Not reviewed yet" in page  # tone labels are no verdict
    assert "Tone labelled by ear in 2 turn(s)" in page


def test_without_prosody_or_an_embedded_recording_the_player_degrades(tmp_path):
    run, _ = tone_run(tmp_path, prosody=False)
    write_run_outputs(run, audio="link")
    linked = (run / "report.html").read_text(encoding="utf-8")
    # a linked file on a file:// page cannot be routed by channel: the turn plays as recorded
    assert re.findall(r'data-play="(\w+)"', turn_item(linked, 3)) == ["both"]
    assert 'class="prosody"' not in linked and "well_paced fail" in linked
    write_run_outputs(run, audio="none")
    silent = (run / "report.html").read_text(encoding="utf-8")
    assert "data-play=" not in silent and "well_paced fail" in silent


@pytest.mark.slow
def test_a_browser_plays_one_side_of_one_turn_and_stops_at_its_end(tmp_path):
    sync_playwright = _chromium_or_fail()
    run, turns = tone_run(tmp_path)
    write_run_outputs(run)
    third = turns[2]
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            page = browser.new_page()
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto((run / "report.html").as_uri(), wait_until="load")
            page.locator('.turn[data-turn="3"] button[data-play="agent"]').click()
            page.wait_for_timeout(300)
            during = page.evaluate(
                """() => {
                    const audio = document.querySelector("details.session audio");
                    const gains = audio.crosstalkRoute.gains;
                    return {t: audio.currentTime, paused: audio.paused,
                            channel: audio.getAttribute("data-channel"),
                            gains: Object.fromEntries(
                                Object.entries(gains).map(([k, g]) => [k, g.gain.value]))};
                }"""
            )
            page.wait_for_timeout(int((TURN_S + 0.6) * 1000))
            after = page.evaluate(
                """() => {
                    const audio = document.querySelector("details.session audio");
                    return {t: audio.currentTime, paused: audio.paused,
                            stop: audio.getAttribute("data-stop-at")};
                }"""
            )
            page.locator('.turn[data-turn="2"]').click()  # a plain seek hears both sides again
            channel = page.evaluate(
                'document.querySelector("details.session audio").getAttribute("data-channel")'
            )
        finally:
            browser.close()
    assert problems == []
    assert during["channel"] == "agent" and not during["paused"]
    assert during["gains"] == {"left": 0, "right": 0, "caller": 0, "agent": 1}
    assert third["start_s"] < during["t"] < third["end_s"]
    assert after["paused"] and after["stop"] is None
    assert third["end_s"] - 0.05 <= after["t"] <= third["end_s"] + 0.15
    assert channel == "both"
