"""One real offline call with `success:` checks: the runner judges the session, writes
judgement.json, and a failing check fails the run (exit 1) while the call's artifacts stay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import FIXTURES, run_crosstalk

# the every-commit tier judges a real call through quick_order_call (test_report_e2e.failing_run)
pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCENARIO = f"""\
name: judged_call
persona: {FIXTURES / "personas" / "short_caller.yaml"}
agent:
  factory: tests.fixtures.tiny_agent:create_agent
max_duration_s: 60
success:
  checks:
    - must_say: {{pattern: "tiny help desk"}}
    - must_say: {{pattern: "refund"}}
    - max_turns: {{limit: 20}}
  rubrics: [task_completion]
"""


def test_a_run_judges_its_session_and_fails_on_a_failed_check(tmp_path):
    scenario = tmp_path / "judged_call.yaml"
    scenario.write_text(SCENARIO)
    result = run_crosstalk(
        "run", str(scenario), "--out", str(tmp_path / "out"), "--json", "-q",
        env={"CROSSTALK_JUDGE_CACHE": "off"},
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    [session] = result.json()["sessions"]
    assert session["outcome"] == "completed"
    assert session["failures"] == []  # the runner's own (budgets); verdicts are in judgement.json
    assert session["verdict"] == "failed"
    assert session["reasons"][0] == "must_say: the agent never said “refund”"
    assert session["reasons"][1].startswith("task_completion not run: no model configured")
    assert len(session["reasons"]) == 2  # each once
    judgement = json.loads((Path(session["directory"]) / "judgement.json").read_text())
    statuses = [(v["judge"], v["status"]) for v in judgement["verdicts"]]
    assert statuses == [
        ("must_say", "passed"),
        ("must_say", "failed"),
        ("max_turns", "passed"),
        ("task_completion", "not_run"),
    ]
    assert judgement["verdicts"][3]["reason"].startswith("no model configured")
    assert judgement["passed"] is False
    assert len(judgement["sentiment"]["turns"]) == 3  # one per caller line
