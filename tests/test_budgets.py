"""Timing budgets: checked against the probes' summary; a broken budget fails the run (exit 1)."""

from __future__ import annotations

import json

import pytest
from crosstalk_harness.judging.budgets import TimingTrust, check_budgets, judge_budgets
from crosstalk_harness.probes.timing import CallerPlan, measure

from .conftest import FIXTURES

SUMMARY = {
    "greeting_latency_ms": 420.0,
    "response_latency": {"count": 3, "p50_ms": 800.0, "p95_ms": 1300.0, "max_ms": 1400.0},
    "interruption_stop_latency": {"count": 0, "p50_ms": None, "p95_ms": None, "max_ms": None},
}


def test_budgets_pass_at_the_limit_and_fail_above_it():
    checks = check_budgets(
        {
            "response_latency_p95_ms": 1300,
            "response_latency_max_ms": 1200,
            "greeting_latency_ms": 500,
        },
        SUMMARY,
    )
    assert [(c.budget, c.measured_ms, c.passed) for c in checks] == [
        ("response_latency_p95_ms", 1300.0, True),
        ("response_latency_max_ms", 1400.0, False),
        ("greeting_latency_ms", 420.0, True),
    ]
    assert "response_latency_max_ms 1400.0 ms exceeds its budget of 1200" in checks[1].reason()


def test_a_figure_with_nothing_to_time_is_not_judged_never_passed():
    [check] = check_budgets({"interruption_stop_p95_ms": 300}, SUMMARY)
    assert check.passed is None and check.measured_ms is None
    assert "no barge-in to time" in check.reason()
    [entry], failures = judge_budgets([check], TimingTrust(trusted=True))
    assert entry["judged"] is False and not failures


# the agent speaks 0-10 s; the caller speaks over it at 3 s for 1.5 s, and again after it ends
AGENT = [(0.0, 10.0)]
OVER = [(3.0, 4.5), (11.0, 12.0)]


def _stop_budget(plan: CallerPlan | None, caller=OVER, agent=AGENT, limit=20_000.0):
    summary = measure(caller, agent, 13.0, plan=plan).summary
    return summary, check_budgets({"interruption_stop_p95_ms": limit}, summary)[0]


def test_a_planned_barge_in_the_agent_talked_on_over_fails_whatever_the_limit():
    summary, check = _stop_budget(CallerPlan(barge_ins_s=(3.0,)))
    assert summary["missed_barge_ins"] == 1 and summary["barge_in_intent"] == "plan"
    assert check.passed is False
    assert "talked on over 1 of 1 barge-ins" in check.reason()
    _, failures = judge_budgets([check], TimingTrust(trusted=True))
    assert [(f.kind, f.text) for f in failures] == [("turn-taking", check.reason())]


def test_a_planned_short_barge_in_the_agent_talked_on_over_is_not_a_backchannel():
    summary, check = _stop_budget(CallerPlan(barge_ins_s=(3.0,)), caller=[(3.0, 3.5)])
    assert summary["backchannels"] == 0 and summary["missed_barge_ins"] == 1
    assert check.passed is False


def test_a_backchannel_or_aside_the_agent_talked_through_is_not_charged():
    for plan in (CallerPlan(backchannels_s=(3.0,)), CallerPlan()):  # planned "mm-hm"; an aside
        summary, check = _stop_budget(plan)
        assert summary["barge_ins"] == 0 and summary["missed_barge_ins"] == 0
        assert check.passed is None, plan


def test_without_a_plan_the_barge_in_is_guessed_from_its_length_and_says_so():
    summary, check = _stop_budget(None)
    assert summary["barge_in_intent"] == "guess" and check.passed is False
    assert "no caller plan" in check.reason()
    summary, check = _stop_budget(None, caller=[(3.0, 3.4)])  # a short burst: a backchannel
    assert summary["backchannels"] == 1 and check.passed is None


def test_a_yielded_barge_in_is_timed_against_the_limit():
    summary, check = _stop_budget(CallerPlan(barge_ins_s=(3.0,)), agent=[(0.0, 3.4), (5.0, 7.0)])
    assert check.measured_ms == 400.0 and check.passed is True


def test_an_agent_that_yields_and_never_speaks_again_to_a_caller_who_goes_on_fails_recovery():
    timing = measure([(3.0, 4.5), (8.0, 9.0)], [(0.0, 3.4)], 12.0, plan=CallerPlan((3.0,)))
    [check] = check_budgets({"interruption_recovery_p95_ms": 2000}, timing.summary)
    assert check.passed is False and "never spoke again" in check.reason()
    # the barge-in was the caller's last word: nothing to recover to, nothing to judge
    timing = measure([(3.0, 4.5)], [(0.0, 3.4)], 6.0, plan=CallerPlan((3.0,)))
    [check] = check_budgets({"interruption_recovery_p95_ms": 2000}, timing.summary)
    assert check.passed is None


def test_a_missing_greeting_fails_and_a_missing_reply_fails_only_a_caller_who_went_on():
    silent = measure([(0.5, 1.5), (4.0, 5.0)], [], 6.0).summary
    greeting, replies = check_budgets(
        {"greeting_latency_ms": 2000, "response_latency_p95_ms": 2000}, silent
    )
    assert greeting.passed is False and "never spoke" in greeting.reason()
    assert replies.passed is False and "answered none" in replies.reason()
    one_line = measure([(0.5, 1.5)], [], 2.0).summary
    [replies] = check_budgets({"response_latency_p95_ms": 2000}, one_line)
    assert replies.passed is None


@pytest.mark.e2e
@pytest.mark.slow  # every commit: a budget failing a real call in test_missed_barge_in_e2e.py
def test_a_broken_budget_fails_the_run_with_its_reason(crosstalk, tmp_path):
    result = crosstalk(
        "run", str(FIXTURES / "scenarios" / "over_budget.yaml"), "--out", str(tmp_path), "--json"
    )
    assert result.exit_code == 1, result.stderr
    run = result.json()
    [session] = run["sessions"]
    assert run["passed"] is False and session["outcome"] == "completed"
    assert session["passed"] is False
    assert session["failures"] == [
        f"response_latency_p95_ms {session['timing']['response_latency']['p95_ms']} ms "
        "exceeds its budget of 5.0 ms"
    ]
    assert "FAILED: response_latency_p95_ms" in result.stderr
    stored = json.loads((tmp_path / run["run_id"] / "run.json").read_text())
    assert stored["passed"] is False
