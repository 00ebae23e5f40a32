"""Sessions whose timing the harness could not keep (overload) are listed beside the latency
figures, never in them: not in results.json's cells, trends or a baseline comparison."""

from __future__ import annotations

import json
from pathlib import Path

from crosstalk_harness.reports.compare import compare
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.reports.results import results_document
from crosstalk_harness.testing.run_dirs import FakeSession, write_run


def _distrust(session_dir: Path) -> None:
    path = session_dir / "session.json"
    document = json.loads(path.read_text())
    document["result"]["timing_trust"] = {"trusted": False, "reasons": ["pacing p99 90 ms"]}
    path.write_text(json.dumps(document))


def _suite(latency_ms: float, repeats: int = 4) -> list[FakeSession]:
    return [
        FakeSession(scenario="orders", repeat=r, repeats=repeats, latencies_ms=[latency_ms] * 3)
        for r in range(repeats)
    ]


def test_untrusted_sessions_are_listed_beside_the_cell_figures_not_in_them(tmp_path):
    overloaded = FakeSession(scenario="orders", repeat=4, repeats=5, latencies_ms=[9000])
    suite = _suite(800, repeats=5)[:4] + [overloaded]
    run_dir = write_run(tmp_path, suite)
    _distrust(run_dir / "05-orders-r5")
    document = results_document(load_run(run_dir))
    [cell] = document["cells"]
    trusted = [s for s in document["sessions"] if s["timing_trusted"]]
    assert len(trusted) == 4
    assert cell["response_latency_ms"]["max"] == 800
    assert cell["response_latency_ms"]["count"] == sum(
        len(s["response_latencies_ms"]) for s in trusted
    )
    assert cell["untrusted_timing_sessions"] == ["05-orders-r5"]
    listed = next(s for s in document["sessions"] if s["session_id"] == "05-orders-r5")
    assert listed["timing_trusted"] is False
    assert 9000 in listed["response_latencies_ms"], "the session's own data is kept"


def test_an_overloaded_run_is_no_latency_regression_against_its_baseline(tmp_path):
    baseline = results_document(load_run(write_run(tmp_path / "base", _suite(800))))
    slow_dir = write_run(tmp_path / "slow", _suite(2500))
    for session_dir in (p for p in slow_dir.iterdir() if p.is_dir()):
        _distrust(session_dir)
    current = results_document(load_run(slow_dir))
    comparison = compare(baseline, current)
    assert comparison["regressed"] is False
    assert not [row for row in comparison["rows"] if row.get("figure") == "response_latency_p95"]
    assert len(comparison["untrusted_timing"]["current"]) == 4

    trusted = results_document(load_run(write_run(tmp_path / "trusted", _suite(2500))))
    assert compare(baseline, trusted)["regressed"] is True, "the same figures, trusted, regress"
