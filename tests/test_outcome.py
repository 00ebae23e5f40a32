"""The one decision: passed / failed / inconclusive from a session's session.json and
judgement.json, for each way a session can end."""

from __future__ import annotations

from typing import Any

import pytest
from crosstalk_harness.errors import outcome_exit_code
from crosstalk_harness.judging.outcome import decide, summary_line
from crosstalk_harness.judging.run_verdict import RunFacts, decide_run

UNTRUSTED = {"trusted": False, "reasons": ["simulated caller lag max 9.1 s > 4 s: behind"]}
CHECKS = {"checks": [{"must_say": {"pattern": "x"}}], "rubrics": ["task_completion"]}


def _document(
    *,
    failures: list[str] | None = None,
    budgets: list[dict[str, Any]] | None = None,
    trust: dict[str, Any] | None = None,
    success: dict[str, Any] | None = None,
    asked: dict[str, float] | None = None,
) -> dict[str, Any]:
    limits = {"response_latency_p95_ms": 3000.0} if asked is None else asked
    return {
        "scenario": {"success": success or {}, "budgets": limits},
        "result": {
            "failures": failures or [],
            "budgets": budgets or [],
            "timing_trust": trust or {"trusted": True, "reasons": []},
            "error": "ConnectionError: boom",
        },
    }


def _verdict(judge: str, kind: str, status: str, reason: str = "why") -> dict[str, Any]:
    return {"judge": judge, "kind": kind, "status": status, "reason": reason}


def _judgement(*verdicts: dict[str, Any]) -> dict[str, Any]:
    return {"passed": all(v["status"] == "passed" for v in verdicts), "verdicts": list(verdicts)}


def test_everything_judged_and_held_passes():
    judgement = _judgement(_verdict("must_say", "check", "passed"))
    outcome = decide("completed", _document(success=CHECKS), judgement)
    assert (outcome.outcome, outcome.reasons) == ("passed", [])


def test_a_rubric_without_a_model_is_inconclusive_and_a_failed_check_wins():
    not_run = _verdict("task_completion", "rubric", "not_run", "no model configured")
    outcome = decide("completed", _document(), _judgement(not_run))
    assert outcome.outcome == "inconclusive"
    assert outcome.reasons == ["task_completion not run: no model configured"]
    failed = _verdict("must_say", "check", "failed", "never said x")
    outcome = decide("completed", _document(), _judgement(failed, not_run))
    assert outcome.outcome == "failed"
    assert outcome.failed == ("must_say: never said x",)
    assert outcome.unjudged == ("task_completion not run: no model configured",)


def test_a_judge_error_is_inconclusive_never_a_pass():
    error = _verdict("task_completion", "rubric", "error", "the answer is not valid JSON")
    outcome = decide("completed", _document(), _judgement(error))
    assert outcome.outcome == "inconclusive"
    assert outcome.reasons == ["task_completion could not be judged: the answer is not valid JSON"]


def test_sentiment_never_decides():
    judgement = _judgement(_verdict("caller_sentiment", "sentiment", "failed"))
    assert decide("completed", _document(), judgement).outcome == "passed"


def test_a_budget_on_untrusted_timing_is_inconclusive():
    budget = {"budget": "response_latency_p95_ms", "passed": False, "judged": False}
    outcome = decide("completed", _document(budgets=[budget], trust=UNTRUSTED), None)
    assert outcome.outcome == "inconclusive"
    assert outcome.reasons == ["budget response_latency_p95_ms not judged: timing untrustworthy"]


def test_running_out_of_time_fails_unless_the_caller_or_harness_fell_behind():
    limit = "the call reached max_duration_s before the caller was done"
    assert decide("max_duration", _document(failures=[limit]), None).outcome == "failed"
    budget = {"budget": "response_latency_p95_ms", "passed": True, "judged": False}
    document = _document(failures=[limit], trust=UNTRUSTED, budgets=[budget])
    behind = decide("max_duration", document, None)
    assert behind.outcome == "inconclusive"
    assert behind.reasons[0].startswith("not judged, the call ran out of time while simulated")
    assert behind.reasons[0].endswith(limit)
    assert behind.reasons[1] == "budget response_latency_p95_ms not judged: timing untrustworthy"


def test_reasons_are_listed_once_even_when_an_old_session_json_repeats_a_verdict():
    failed = _verdict("must_say", "check", "failed", "never said x")
    outcome = decide(
        "completed", _document(failures=["must_say: never said x"]), _judgement(failed)
    )
    assert outcome.reasons == ["must_say: never said x"]


@pytest.mark.parametrize(
    ("status", "outcome", "broke"),
    [("error", "failed", True), ("running", "failed", True), ("cancelled", "inconclusive", False)],
)
def test_a_broken_or_cancelled_call(status, outcome, broke):
    decided = decide(status, _document(), None)
    assert (decided.outcome, decided.broke) == (outcome, broke)


def test_asked_for_checks_without_a_judgement_are_not_a_pass():
    outcome = decide("completed", _document(success=CHECKS), None)
    assert outcome.outcome == "inconclusive"


def test_the_run_and_its_exit_code():
    passed = decide("completed", _document(), None)
    unsure = decide("cancelled", _document(), None)
    failed = decide("error", _document(), None)

    def run_outcome(outcomes, errors=()):
        sessions = [(f"{i:02d}", o) for i, o in enumerate(outcomes)]
        return decide_run(sessions, RunFacts(errors=tuple(errors))).outcome

    assert run_outcome([passed]) == "passed"
    assert run_outcome([passed, unsure]) == "inconclusive"
    assert run_outcome([passed, unsure, failed]) == "failed"
    assert run_outcome([passed], errors=["worker died"]) == "failed"
    assert run_outcome([]) == "inconclusive"  # nothing ran: nothing was shown to hold
    assert summary_line([passed, unsure]) == (
        "1 passed, 0 failed, 1 inconclusive: cancelled before the call finished"
    )
    assert [outcome_exit_code(o) for o in ("passed", "failed", "inconclusive")] == [0, 1, 4]
    assert outcome_exit_code("inconclusive", allow_inconclusive=True) == 0
    assert outcome_exit_code("failed", allow_inconclusive=True) == 1


def _kinds(outcome) -> list[tuple[str, str]]:
    return [(reason.kind, reason.source) for reason in outcome.details]


def test_untrusted_timing_excuses_what_the_clock_decided_never_what_the_agent_said():
    limit = "the call reached max_duration_s before the caller was done"
    pii = {
        **_verdict("no_pii_spoken", "check", "failed", "the agent spoke a card back in turn 4"),
        "reason_kind": "guardrail",
    }
    slow = {
        **_verdict("max_duration", "check", "failed", "95.0 s (limit 60 s)"),
        "reason_kind": "latency",
        "timing_derived": True,
    }
    document = _document(failures=[limit], trust=UNTRUSTED)
    outcome = decide("max_duration", document, _judgement(pii, slow))
    assert outcome.outcome == "failed"
    assert outcome.failed == ("no_pii_spoken: the agent spoke a card back in turn 4",)
    assert [r.startswith("not judged, the call ran out of time") for r in outcome.unjudged] == [
        True,
        True,
    ]
    assert _kinds(outcome) == [
        ("guardrail", "check:no_pii_spoken"),
        ("timing-trust", "call"),
        ("timing-trust", "check:max_duration"),
    ]
    trusted = decide("max_duration", _document(failures=[limit]), _judgement(pii, slow))
    assert [r.kind for r in trusted.details] == ["call-limit", "guardrail", "latency"]


def test_a_judgement_from_before_kinds_takes_them_from_the_check_registry():
    # written before judgement.json had reason_kind / timing_derived: the registry decides
    old = [
        _verdict("must_not_say", "check", "failed", "said it"),
        _verdict("max_duration", "check", "failed", "too long"),
    ]
    outcome = decide("completed", _document(trust=UNTRUSTED), _judgement(*old))
    assert outcome.outcome == "failed"
    assert _kinds(outcome) == [
        ("guardrail", "check:must_not_say"),
        ("timing-trust", "check:max_duration"),
    ]


def test_a_probe_reading_rubric_is_not_judged_on_untrusted_timing():
    rubric = {**_verdict("snappy", "rubric", "failed", "slow"), "timing_derived": True}
    plain = _verdict("polite", "rubric", "failed", "rude")
    assert decide("completed", _document(), _judgement(rubric)).outcome == "failed"
    outcome = decide("completed", _document(trust=UNTRUSTED), _judgement(rubric, plain))
    assert outcome.failed == ("polite: rude",)
    assert _kinds(outcome) == [("rubric", "rubric:polite"), ("timing-trust", "rubric:snappy")]


def test_a_scenario_that_asks_nothing_is_inconclusive_and_a_hang_up_fails_it():
    nothing = _document(asked={})
    outcome = decide("completed", nothing, None)
    assert outcome.outcome == "inconclusive"
    assert _kinds(outcome) == [("nothing-asked", "scenario")]
    assert outcome.reasons[0].startswith("nothing was asked")
    hung_up = {
        "kind": "turn-taking",
        "text": "the agent ended the call before the caller was done",
        "source": "call",
        "timing_derived": False,
    }
    nothing["result"]["reasons"] = [hung_up]
    outcome = decide("completed", nothing, None)
    assert outcome.outcome == "failed"
    assert outcome.to_json()["reason_details"] == [
        {k: hung_up[k] for k in ("kind", "text", "source")}
    ]


def test_every_reason_of_every_outcome_has_a_kind_from_the_one_enum():
    from crosstalk_harness.judging.reasons import REASON_KINDS

    not_run = _verdict("task_completion", "rubric", "not_run", "no model configured")
    error = _verdict("goal_achieved", "check", "error", "boom")
    cases = [
        decide("error", _document(), None),
        decide("running", _document(), None),
        decide("cancelled", _document(), None),
        decide("completed", _document(success=CHECKS), None),
        decide("completed", _document(failures=["too slow"]), _judgement(not_run, error)),
    ]
    kinds = [reason.kind for case in cases for reason in case.details]
    assert kinds == [
        "infrastructure",
        "infrastructure",
        "cancelled",
        "judge",
        "unclassified",
        "judge",
        "judge",
    ]
    assert set(kinds) <= set(REASON_KINDS)


def test_the_consoles_last_word_counts_a_call_that_crashed_before_its_result() -> None:
    from crosstalk_harness.runner.run import RunResult

    crashed = RunResult("r", "/tmp/r", errors=["session 01-x failed: TypeError: boom"])
    line = crashed.summary()
    assert line.startswith("0 passed, 0 failed, 0 inconclusive")
    assert "the run failed: session 01-x failed: TypeError: boom" in line
    assert crashed.outcome == "failed"
    assert "the run failed" not in RunResult("r", "/tmp/r").summary()
