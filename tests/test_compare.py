"""Baseline comparison: real regressions are flagged, run-to-run noise is not.

The agent is simulated at the level compare reads (results documents): each call has its own
conditions (a per-session latency offset) and each reply its own jitter, the way repeats of one
real agent vary. Seeds are fixed, so the counts below are exact, not flaky.
"""

from __future__ import annotations

import json

import numpy as np
from crosstalk_harness.reports.compare import compare, load_results, markdown_summary
from crosstalk_harness.reports.tolerances import Tolerances
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run

from .conftest import run_crosstalk

REPEATS, REPLIES = 5, 8


def _results(seed: int, shift_ms: float = 0.0, score_shift: float = 0.0, repeats: int = REPEATS):
    rng = np.random.default_rng(seed)
    sessions = []
    for repeat in range(repeats):
        call_offset = rng.normal(0, 60)
        latencies = 1200 + call_offset + rng.normal(0, 150, REPLIES) + shift_ms
        score = float(np.clip(rng.normal(0.85, 0.05) + score_shift, 0, 1))
        sessions.append(
            {
                "scenario": "order_status",
                "variant": "",
                "persona": "caller",
                "repeat": repeat,
                "passed": True,
                "score": score,
                "response_latencies_ms": latencies.round(1).tolist(),
                "stop_latencies_ms": [],
            }
        )
    return {"schema": "crosstalk.results/1", "run_id": f"run-{seed}", "sessions": sessions}


def _verdict(comparison: dict, figure: str) -> str:
    return next(r["verdict"] for r in comparison["rows"] if r.get("figure") == figure)


def test_an_injected_300ms_regression_of_p95_latency_is_flagged():
    comparisons = [compare(_results(2 * i), _results(2 * i + 1, 300)) for i in range(40)]
    flagged = [_verdict(c, "response_latency_p95") == "worse" for c in comparisons]
    assert sum(flagged) >= 36  # 5 repeats of 8 replies catch it at least 9 times in 10
    row = next(r for r in comparisons[0]["rows"] if r["figure"] == "response_latency_p95")
    assert row["ci"][0] > 0 and 150 < row["delta"] < 450
    assert comparisons[0]["regressed"] is True


def test_run_to_run_noise_of_the_same_agent_is_not_flagged():
    comparisons = [compare(_results(2 * i), _results(2 * i + 1)) for i in range(100)]
    latency = [_verdict(c, "response_latency_p95") for c in comparisons]
    assert latency.count("worse") == 0
    assert latency.count("better") <= 2  # a false improvement fails nothing, but stays rare
    assert sum(c["regressed"] for c in comparisons) <= 2  # the interval's nominal error rate


def test_a_score_drop_is_flagged_and_a_latency_gain_is_marked_better():
    comparison = compare(_results(1), _results(2, shift_ms=-400, score_shift=-0.3))
    assert _verdict(comparison, "score") == "worse"
    assert _verdict(comparison, "response_latency_p95") == "better"
    text = markdown_summary(comparison)
    assert text.startswith("### crosstalk: 1 regression(s)")
    assert "| order_status/caller | judge score |" in text and "🔴 worse" in text
    assert "🟢 better" in text


def test_single_calls_are_compared_by_their_replies():
    same = compare(_results(3, repeats=1), _results(4, repeats=1))
    assert _verdict(same, "response_latency_p95") == "noise"
    slower = compare(_results(3, repeats=1), _results(4, shift_ms=900, repeats=1))
    assert _verdict(slower, "response_latency_p95") == "worse"


def test_a_baseline_scenario_missing_from_the_run_is_a_regression_said_loudly():
    baseline, current = _results(1), _results(2)
    for session in current["sessions"]:
        session["scenario"] = "renamed"
    comparison = compare(baseline, current)
    assert {r["verdict"] for r in comparison["rows"]} == {"new", "missing"}
    assert comparison["regressed"] is True
    summary = markdown_summary(comparison)
    assert summary.startswith("### crosstalk: 1 regression(s)")
    assert "**1 baseline scenario(s) not run**" in summary and "counted as regressions" in summary
    assert "`renamed/caller`: new in this run" in summary


def test_allow_missing_lists_a_missing_scenario_without_failing():
    baseline, current = _results(1), _results(2)
    for session in current["sessions"]:
        session["scenario"] = "renamed"
    comparison = compare(baseline, current, Tolerances(missing_is_regression=False))
    assert comparison["regressed"] is False
    summary = markdown_summary(comparison)
    assert summary.startswith("### crosstalk: no regressions")
    assert "accepted with --allow-missing" in summary


def _run_dir(root, run_id, latency_ms, score):
    sessions = [
        FakeSession(
            repeat=r,
            repeats=3,
            latencies_ms=[latency_ms + 37 * ((r + k) % 3) for k in range(4)],
            lines=(("agent", "Hi"), ("caller", "Where is it?")) * 4 + (("agent", "Bye"),),
            judgement=judgement(score=score),
            budgets={},
        )
        for r in range(3)
    ]
    return write_run(root, sessions, run_id=run_id)


def test_compare_command_exit_codes_and_pr_summary(tmp_path):
    baseline = _run_dir(tmp_path, "base", 1000, 0.9)
    same = _run_dir(tmp_path, "same", 1010, 0.9)
    slower = _run_dir(tmp_path, "slower", 1400, 0.9)
    ok = run_crosstalk("compare", str(baseline), str(same))
    assert ok.exit_code == 0, ok.stderr
    assert ok.stdout.startswith("### crosstalk: no regressions")
    markdown = tmp_path / "comment.md"
    bad = run_crosstalk("compare", str(baseline), str(slower), "--markdown", str(markdown))
    assert bad.exit_code == 1
    assert "response latency p95" in bad.stdout and "🔴 worse" in bad.stdout
    assert markdown.read_text() == bad.stdout
    as_json = run_crosstalk("compare", str(baseline), str(slower), "--json")
    assert json.loads(as_json.stdout)["schema"] == "crosstalk.comparison/1"
    (tmp_path / "junk.json").write_text('{"schema": "something/1"}')
    junk = run_crosstalk("compare", str(tmp_path / "junk.json"), str(same))
    assert junk.exit_code == 2 and "not a crosstalk results file" in junk.stderr


def test_compare_command_fails_on_a_missing_scenario_and_takes_tolerance_flags(tmp_path):
    baseline = _run_dir(tmp_path, "base", 1000, 0.9)
    results = load_results(baseline)
    results["sessions"] = []  # nothing of the baseline was run
    (tmp_path / "empty.json").write_text(json.dumps(results))
    missing = run_crosstalk("compare", str(baseline), str(tmp_path / "empty.json"))
    assert missing.exit_code == 1, missing.stdout
    assert "not run" in missing.stdout
    allowed = run_crosstalk(
        "compare", str(baseline), str(tmp_path / "empty.json"), "--allow-missing"
    )
    assert allowed.exit_code == 0, allowed.stdout
    slower = _run_dir(tmp_path, "slower", 1400, 0.9)
    lenient = run_crosstalk(
        "compare", str(baseline), str(slower), "--latency-tolerance-ms", "1000", "--json"
    )
    assert lenient.exit_code == 0
    tolerances = json.loads(lenient.stdout)["tolerances"]
    assert tolerances["latency_ms"] == 1000
    strict = run_crosstalk(
        "compare", str(baseline), str(slower), "--pass-rate-tolerance", "0.05", "--json"
    )
    assert json.loads(strict.stdout)["tolerances"]["pass_rate"] == 0.05


def test_run_rejects_an_unreadable_baseline_before_placing_calls(tmp_path):
    result = run_crosstalk(
        "run",
        "scenarios/demo_order_status.yaml",
        "--out",
        str(tmp_path / "out"),
        "--baseline",
        str(tmp_path / "missing.json"),
    )
    assert result.exit_code == 2
    assert "missing.json: no such run directory or results.json" in result.stderr
    assert not (tmp_path / "out").exists()


def test_inconclusive_sessions_count_as_not_passed_in_the_pass_rate(tmp_path):
    baseline = _results(1)
    current = _results(2)
    for session in current["sessions"][:3]:  # no judge model this time: nothing judged failed
        session.update(passed=False, outcome="inconclusive")
    comparison = compare(baseline, current)
    assert comparison["inconclusive"] == {"baseline": 0, "current": 3}
    [pass_rate] = [r for r in comparison["rows"] if r["figure"] == "pass_rate"]
    # left out, 3 inconclusive of 5 would have kept the baseline's pass rate of 1.0
    assert pass_rate["current"] == 0.4 and pass_rate["samples"] == [5, 5]
    assert "3 inconclusive session(s) in this run, 0 in the baseline" in markdown_summary(
        comparison
    )


def test_compare_exits_4_when_every_current_session_is_inconclusive(tmp_path):
    baseline = _run_dir(tmp_path, "base", 1000, 0.9)
    current = _run_dir(tmp_path, "current", 1000, 0.9)
    for session in (p for p in current.iterdir() if p.is_dir()):
        (session / "judgement.json").unlink()
        document = json.loads((session / "session.json").read_text())
        document["scenario"]["success"] = {"rubrics": ["task_completion"]}  # never judged
        (session / "session.json").write_text(json.dumps(document))
    # the pass rate fell from 1.0 to 0.0: inconclusive sessions are not passes
    result = run_crosstalk("compare", str(baseline), str(current), "--allow-inconclusive")
    assert result.exit_code == 1, result.stdout
    assert "| pass rate | 1.00 | 0.00 |" in result.stdout
    # against itself nothing regressed, but nothing was shown to hold either: 4, as judge says
    same = run_crosstalk("compare", str(current), str(current))
    assert same.exit_code == 4, same.stdout
    assert run_crosstalk("judge", str(current)).exit_code == 4  # no judge model configured
    allowed = run_crosstalk("compare", str(current), str(current), "--allow-inconclusive")
    assert allowed.exit_code == 0, allowed.stdout


def test_report_with_a_baseline_exits_1_on_a_regression(tmp_path):
    baseline = _run_dir(tmp_path, "base", 1000, 0.9)
    slower = _run_dir(tmp_path, "slower", 1400, 0.9)
    same = _run_dir(tmp_path, "same", 1010, 0.9)
    assert run_crosstalk("report", str(slower), "--baseline", str(baseline)).exit_code == 1
    assert run_crosstalk("report", str(same), "--baseline", str(baseline)).exit_code == 0
