"""Text mode: the same scenario in text turns, on a virtual clock, judged on what text can show."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from crosstalk_harness.judging.modes import NOTHING_ASKED
from crosstalk_harness.judging.outcome import decide
from crosstalk_harness.judging.twins import REASONING, TwinSide, attribute
from crosstalk_harness.rundir.documents import read_agent_events, read_transcript
from crosstalk_harness.rundir.files import read_object_or_none
from crosstalk_harness.runner import Progress, run_scenarios

REPO = Path(__file__).resolve().parent.parent
USER_REPO = REPO / "tests" / "fixtures" / "user_repo"


def _run(paths: list[Path], out: Path, mode: str):
    return asyncio.run(run_scenarios(paths, out, Progress(quiet=True), mode=mode))


@pytest.fixture(scope="module")
def demo_in_text(tmp_path_factory: pytest.TempPathFactory):
    began = time.monotonic()
    result = _run(
        [REPO / "scenarios" / "demo_order_status.yaml"], tmp_path_factory.mktemp("t"), "text"
    )
    return result, time.monotonic() - began


def test_the_demo_in_text_mode_passes_its_checks_in_under_ten_seconds(demo_in_text) -> None:
    result, wall_s = demo_in_text
    assert wall_s < 10
    (session,) = result.sessions
    judgement = read_object_or_none(Path(session.directory) / "judgement.json") or {}
    checks = {v["judge"]: v["status"] for v in judgement["verdicts"] if v["kind"] == "check"}
    assert checks == {
        "must_say": "passed",
        "tool_called": "passed",
        "goal_achieved": "passed",
        "db_state": "passed",
    }
    # only the rubric (no judge model offline) is unjudged; the budgets are not measured
    verdict = session.verdict
    assert verdict.failed == ()
    assert all("task_completion" in line for line in verdict.unjudged)
    assert verdict.not_measured == (
        "budget greeting_latency_ms: not measured in text mode",
        "budget response_latency_p95_ms: not measured in text mode",
    )


def test_a_text_session_says_its_mode_in_session_json_and_results(demo_in_text) -> None:
    result, _ = demo_in_text
    (session,) = result.sessions
    document = json.loads((Path(session.directory) / "session.json").read_text())
    assert document["mode"] == "text"
    assert document["transport"] == {"kind": "text"}
    assert session.session_id.endswith("-text")
    assert result.to_json()["sessions"][0]["not_measured"]


def test_a_guardrail_that_ends_the_call_ends_it_in_text_mode_in_seconds(tmp_path: Path) -> None:
    # with no audio out, only the transcription node sees a blocked reply: unreported, the
    # runtime asked for the blocked reply again and again at one virtual instant
    began = time.monotonic()
    result = _run([REPO / "scenarios" / "agent_guardrail_end.yaml"], tmp_path, "text")
    assert time.monotonic() - began < 15
    (session,) = result.sessions
    events, _ = read_agent_events(Path(session.directory))
    (guardrail,) = [e.data for e in events if e.type == "guardrail"]
    assert guardrail["action"] == "end"
    assert "staff discount" in guardrail["blocked_text"].lower()
    assert [e.data["to"] for e in events if e.type == "state"][-1] == "end"
    transcript = " ".join(turn.text for turn in read_transcript(Path(session.directory)).turns)
    assert "ACME STAFF" not in transcript.upper()


def _text_document(success: dict, budgets: dict | None = None) -> dict:
    return {
        "mode": "text",
        "scenario": {"success": success, "budgets": budgets or {}},
        "persona": {},
        "result": {},
    }


def test_a_text_session_whose_every_ask_is_audio_only_is_inconclusive() -> None:
    document = _text_document(
        {"checks": [{"max_duration": {"seconds": 30}}]}, {"greeting_latency_ms": 900}
    )
    decided = decide("completed", document, {"verdicts": []})
    assert decided.outcome == "inconclusive"
    assert decided.unjudged == (NOTHING_ASKED,)


def test_audio_only_asks_do_not_hold_back_a_text_session_that_passed_its_checks() -> None:
    document = _text_document({"checks": ["goal_achieved"]}, {"greeting_latency_ms": 900})
    verdicts = [{"judge": "goal_achieved", "kind": "check", "status": "passed"}]
    decided = decide("completed", document, {"verdicts": verdicts})
    assert decided.outcome == "passed"
    assert decided.not_measured == ("budget greeting_latency_ms: not measured in text mode",)


def test_an_old_session_without_a_mode_is_decided_as_audio() -> None:
    document = {"scenario": {"budgets": {"greeting_latency_ms": 900}}, "result": {}}
    decided = decide("completed", document, None)
    assert decided.outcome == "passed" and decided.mode == "audio"


def test_a_wrong_tool_fails_in_text_and_an_audio_failure_beside_it_is_reasoning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(USER_REPO)
    scenario = USER_REPO / "scenarios" / "order_lookup_wrong_tool.yaml"
    (session,) = _run([scenario], tmp_path, "text").sessions
    assert session.verdict.outcome == "failed"
    document = json.loads((Path(session.directory) / "session.json").read_text())
    text = TwinSide(session.session_id, document, session.verdict)
    audio = TwinSide("01-audio", {**document, "mode": "audio"}, session.verdict)
    entry = attribute(audio, text)
    assert entry["attribution"] == REASONING
    assert "19724" in entry["evidence"][0]


def test_hearing_evidence_leads_with_the_turn_that_lost_what_a_failed_check_expected() -> None:
    turns = [
        {"speaker": "caller", "text": "Hello, I need a delivery address changed.",
         "heard_as": "Hello, I need the Liberty address changed."},
        {"speaker": "caller", "text": "Please deliver it to 12 Quayle Crescent.",
         "heard_as": "Please deliver it to 12-kill Crescent."},
    ]  # fmt: skip
    failed = {
        "judge": "db_state",
        "kind": "check",
        "status": "failed",
        "reason": "the database holds '12 Kill Crescent', expected '12 Quayle Crescent'",
    }
    document = {"scenario": {"success": {"checks": ["db_state"]}}, "result": {}}
    audio_outcome = decide("completed", document, {"verdicts": [failed]})
    text_document = {**document, "mode": "text"}
    passed = {**failed, "status": "passed", "reason": "holds '12 Quayle Crescent'"}
    text_outcome = decide("completed", text_document, {"verdicts": [passed]})
    entry = attribute(
        TwinSide("01", document, audio_outcome, turns),
        TwinSide("01-text", text_document, text_outcome),
    )
    assert entry["attribution"] == "hearing"
    # one word in seven (under the misheard-turn threshold), but the one the check needed
    assert entry["evidence"][0].startswith("turn 2: the caller said “Please deliver it to 12 Q")
    assert "Liberty" in entry["evidence"][1]
