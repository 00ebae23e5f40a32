"""Slow tier: text mode against real audio calls (the library suite, and `--mode both`)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from crosstalk_harness.judging.modes import AUDIO_ONLY_CHECKS
from crosstalk_harness.judging.outcome import SessionOutcome
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.reports.results import twins_of
from crosstalk_harness.rundir.files import read_object_or_none
from crosstalk_harness.runner import Progress, RunResult, run_scenarios

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(paths: list[Path], out: Path, mode: str, concurrency: int | None = None):
    progress = Progress(quiet=True)
    return asyncio.run(run_scenarios(paths, out, progress, mode=mode, concurrency=concurrency))


def _text_checks(directory: str) -> dict[str, str]:
    """The session's check verdicts that a text-mode call can judge too."""
    judgement = read_object_or_none(Path(directory) / "judgement.json") or {}
    verdicts = judgement.get("verdicts") or []
    return {
        v["judge"]: v["status"]
        for v in verdicts
        if v.get("kind") == "check" and v["judge"] not in AUDIO_ONLY_CHECKS
    }


def _audio_passed(verdict: SessionOutcome) -> bool:
    """Passed, or held back only by untrusted timing: what was said and done still stands."""
    held_back = verdict.outcome == "inconclusive" and verdict.details
    timing_only = held_back and all(r.kind == "timing-trust" for r in verdict.details)
    return verdict.passed or bool(timing_only)


def _mismatches(audio: RunResult, text: RunResult) -> tuple[list[str], int]:
    """Each audio session that passed with checks a text call judges, against its text twin
    (the same session id with "-text"): the pairs whose verdicts differ, and how many compared."""
    text_by_id = {s.session_id.removesuffix("-text"): s for s in text.sessions}
    mismatches, compared = [], 0
    for session in audio.sessions:
        audio_checks = _text_checks(session.directory)
        if not _audio_passed(session.verdict) or not audio_checks:
            continue
        twin = text_by_id[session.session_id]
        text_checks = _text_checks(twin.directory)
        if text_checks != audio_checks or not twin.verdict.passed:
            mismatches.append(
                f"{session.session_id}: audio {audio_checks}, text {text_checks} "
                f"({twin.verdict.outcome})"
            )
        compared += 1
    return mismatches, compared


def test_the_library_in_text_mode_matches_its_audio_checks_where_audio_passes(
    tmp_path: Path,
) -> None:
    suite = REPO / "scenarios" / "suites" / "library.yaml"
    began = time.monotonic()
    text = _run([suite], tmp_path / "text", "text", concurrency=1)
    assert time.monotonic() - began < 90
    audio = _run([suite], tmp_path / "audio", "audio")
    mismatches, compared = _mismatches(audio, text)
    assert mismatches == []
    # most of the library passes in audio with checks a text call judges (16 of 34 sessions
    # when this was written; 9 passed and 6 more were held back by untrusted timing alone on
    # a loaded machine, all 15 matching their text twins)
    assert compared >= 10, [(s.session_id, s.verdict.outcome) for s in audio.sessions]


def test_mode_both_attributes_a_wrong_tool_to_reasoning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_repo = REPO / "tests" / "fixtures" / "user_repo"
    monkeypatch.chdir(user_repo)
    result = _run([user_repo / "scenarios" / "order_lookup_wrong_tool.yaml"], tmp_path, "both")
    (twin,) = twins_of(load_run(Path(result.directory)).sessions)
    assert twin["audio"]["outcome"] == "failed"
    assert twin["attribution"] == "reasoning"


def test_mode_both_attributes_a_budget_only_audio_misses_to_turn_taking(tmp_path: Path) -> None:
    scenario = REPO / "tests" / "fixtures" / "scenarios" / "over_budget_twin.yaml"
    result = _run([scenario], tmp_path, "both")
    (twin,) = twins_of(load_run(Path(result.directory)).sessions)
    assert twin["text"]["outcome"] == "passed"
    assert twin["attribution"] == "turn-taking"
    assert "response_latency_p95_ms" in twin["evidence"][0]


def test_mode_both_attributes_a_real_mishearing_to_hearing_with_the_misheard_words(
    tmp_path: Path,
) -> None:
    # an espeak caller over street noise at 6 dB on a telephone band gives an uncommon street
    # name: Whisper tiny hears another ("12 Kill Crescent"), and the agent writes what it heard
    scenario = REPO / "tests" / "fixtures" / "scenarios" / "misheard_address_twin.yaml"
    result = _run([scenario], tmp_path, "both")
    (twin,) = twins_of(load_run(Path(result.directory)).sessions)
    assert (twin["audio"]["outcome"], twin["text"]["outcome"]) == ("failed", "passed")
    assert twin["attribution"] == "hearing"
    first = twin["evidence"][0]  # the turn that lost the address the failed check expected
    assert "said “Please deliver it to 12 Quayle Crescent.”" in first, twin["evidence"]
    assert "quayle crescent" not in first.split("heard “")[1].lower(), first
