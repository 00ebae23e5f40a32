"""Timing budgets: checked against the probes' summary; a broken budget fails the run (exit 1)."""

from __future__ import annotations

import json

import pytest
from crosstalk_harness.judging.budgets import check_budgets

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


def test_a_figure_with_nothing_measured_passes():
    [check] = check_budgets({"interruption_stop_p95_ms": 300}, SUMMARY)
    assert check.passed and check.measured_ms is None


@pytest.mark.e2e
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
