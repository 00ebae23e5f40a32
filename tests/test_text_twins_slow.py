"""Slow tier: text mode against real audio calls (the library suite, and `--mode both`)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.reports.results import twins_of
from crosstalk_harness.rundir.files import read_object_or_none
from crosstalk_harness.runner import Progress, run_scenarios

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _run(paths: list[Path], out: Path, mode: str, concurrency: int | None = None):
    progress = Progress(quiet=True)
    return asyncio.run(run_scenarios(paths, out, progress, mode=mode, concurrency=concurrency))


def _checks(directory: str) -> dict[str, str]:
    judgement = read_object_or_none(Path(directory) / "judgement.json") or {}
    verdicts = judgement.get("verdicts") or []
    return {v["judge"]: v["status"] for v in verdicts if v.get("kind") == "check"}


def test_the_library_in_text_mode_matches_its_audio_checks_where_audio_passes(
    tmp_path: Path,
) -> None:
    suite = REPO / "scenarios" / "suites" / "library.yaml"
    began = time.monotonic()
    text = _run([suite], tmp_path / "text", "text", concurrency=1)
    assert time.monotonic() - began < 90
    audio = _run([suite], tmp_path / "audio", "audio")
    text_by_key = {s.session_id.removesuffix("-text"): s for s in text.sessions}
    compared = 0
    for session in audio.sessions:
        if not session.verdict.passed:
            continue
        twin = text_by_key[session.session_id]
        audio_checks = _checks(session.directory)
        text_checks = _checks(twin.directory)
        assert text_checks == {k: v for k, v in audio_checks.items() if k != "max_duration"}, (
            session.session_id
        )
        compared += 1
    assert compared >= 10


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
