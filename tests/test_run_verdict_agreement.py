"""One run verdict: `crosstalk judge`, `crosstalk report`, results.json and junit.xml agree on the
outcome and exit code of the same hand-built run directory, for every way a run can end."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

from .conftest import run_crosstalk

PASSED = FakeSession(scenario="order_status")
FAILED = FakeSession(
    scenario="returns",
    latencies_ms=[4100.0, 900.0],
    failures=["response_latency_p95_ms 3940.0 ms exceeds its budget of 3000.0 ms"],
)
NOTHING_ASKED = FakeSession(scenario="chat", budgets={})
CRASHED = FakeSession(scenario="hours", status="error")
CANCELLED = FakeSession(scenario="hours", status="cancelled")

CASES = {
    "passed": (dict(sessions=[PASSED]), "passed", 0),
    "failed": (dict(sessions=[PASSED, FAILED]), "failed", 1),
    "inconclusive": (dict(sessions=[PASSED, NOTHING_ASKED]), "inconclusive", 4),
    "crashed": (dict(sessions=[PASSED, CRASHED]), "failed", 1),
    "run error": (
        dict(sessions=[PASSED], errors=("session 02-hours: its worker process died",)),
        "failed",
        3,
    ),
    "cancelled": (
        dict(sessions=[PASSED, CANCELLED], cancelled=True, not_run=("03-later",)),
        "inconclusive",
        4,
    ),
    "partly run": (dict(sessions=[PASSED], not_run=("02-hours",)), "failed", 1),
}


def _junit_outcome(path) -> str:
    root = ET.parse(path).getroot()
    cases = list(root.iter("testcase"))
    if any(case.find("failure") is not None or case.find("error") is not None for case in cases):
        return "failed"
    return "inconclusive" if any(case.find("skipped") is not None for case in cases) else "passed"


@pytest.mark.parametrize("case", list(CASES))
def test_judge_report_results_and_junit_agree(tmp_path, case):
    spec, outcome, code = CASES[case]
    run = write_run(tmp_path, **spec)
    report = run_crosstalk("report", str(run), "--audio", "none", "--json")
    assert report.exit_code == code, report.stdout + report.stderr
    assert json.loads(report.stdout)[0]["outcome"] == outcome
    results = json.loads((run / "results.json").read_text())
    assert (results["outcome"], results["exit_code"]) == (outcome, code)
    assert _junit_outcome(run / "junit.xml") == outcome
    judged = run_crosstalk("judge", str(run))
    assert judged.exit_code == code, judged.stdout + judged.stderr
    assert json.loads((run / "run.json").read_text())["outcome"] == outcome
    # every reason of the run, the sessions' and its own, names its kind
    reasons = [r for s in results["sessions"] for r in s["reason_details"]]
    reasons += results["run"]["reason_details"]
    assert all(r["kind"] and r["text"] and r["source"] for r in reasons)
    assert bool(reasons) == (outcome != "passed")


def test_allow_inconclusive_turns_4_into_0_alike(tmp_path):
    run = write_run(tmp_path, sessions=[PASSED, NOTHING_ASKED])
    for command in ("report", "judge"):
        result = run_crosstalk(command, str(run), "--allow-inconclusive")
        assert result.exit_code == 0, command + result.stdout + result.stderr
    results = json.loads((run / "results.json").read_text())
    assert results["outcome"] == "inconclusive"  # the files still say what happened
    [chat] = [s for s in results["sessions"] if s["scenario"] == "chat"]
    assert chat["reason_details"][0]["kind"] == "nothing-asked"


def test_junit_lists_the_run_level_reasons_as_a_testcase_of_their_own(tmp_path):
    run = write_run(
        tmp_path, sessions=[PASSED], errors=("session 02-hours: its worker process died",)
    )
    run_crosstalk("report", str(run), "--audio", "none")
    root = ET.parse(run / "junit.xml").getroot()
    [case] = [c for c in root.iter("testcase") if c.get("classname") == "crosstalk.run"]
    error = case.find("error")
    assert error is not None and "worker process died" in error.get("message")
    assert root.get("errors") == "1" and root.get("tests") == "2"


def test_pass_hat_k_counts_a_session_left_running(tmp_path):
    sessions = [FakeSession(repeat=r, repeats=2) for r in range(2)]
    sessions[1].status = "running"
    run = write_run(tmp_path, sessions=sessions)
    judged = run_crosstalk("judge", str(run))
    assert judged.exit_code == 1, judged.stdout + judged.stderr
    assert "1/2 passed, pass^2 no" in judged.stdout
    [cell] = json.loads((run / "results.json").read_text())["cells"]
    assert (cell["passed"], cell["pass_hat_k"]) == (1, 0.0)


def test_a_merge_missing_a_shard_is_not_passed(tmp_path):
    first = write_run(tmp_path / "a", sessions=[PASSED], run_id="shard-1")
    document = json.loads((first / "run.json").read_text())
    document["shard"] = {"index": 1, "count": 2}
    (first / "run.json").write_text(json.dumps(document))
    merged = tmp_path / "merged"
    result = run_crosstalk("report", "--merge-into", str(merged), str(first), "--audio", "none")
    assert result.exit_code == 1, result.stdout + result.stderr
    results = json.loads((merged / "results.json").read_text())
    assert results["outcome"] == "failed"
    assert results["run"]["reasons"] == ["shard(s) 2/2 missing from the merge"]
    assert run_crosstalk("judge", str(merged)).exit_code == 1
