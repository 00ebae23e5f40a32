"""`crosstalk run --concurrency N`: sessions side by side in worker processes, results in plan
order, a clean Ctrl-C, and timing the harness could not keep marked untrustworthy."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from crosstalk_harness.judging.budgets import NOT_JUDGED, assess_timing

from .conftest import FIXTURES, REPO

pytestmark = pytest.mark.e2e

BYO = str(FIXTURES / "scenarios" / "byo_agent.yaml")
STARVED = str(FIXTURES / "scenarios" / "starved_loop.yaml")


def _recording_s(path: Path) -> float:
    with wave.open(str(path)) as recording:
        return recording.getnframes() / recording.getframerate()


@pytest.mark.slow
def test_two_sessions_side_by_side_and_a_starved_loop_is_not_blamed_on_the_agent(
    crosstalk, tmp_path
):
    result = crosstalk("run", BYO, STARVED, "--concurrency", "2", "--out", str(tmp_path))
    # the starved call breaks its latency budget, but its timing is untrustworthy: not a failure,
    # yet not a pass either: the budget asked for could not be judged (inconclusive, exit 4)
    assert result.exit_code == 4, result.stderr

    [run_dir] = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["concurrency"] == 2 and run["cancelled"] is False and run["not_run"] == []
    assert [s["session_id"] for s in run["sessions"]] == ["01-byo_agent", "02-starved_loop"]
    for entry in run["sessions"]:
        session_dir = run_dir / entry["session_id"]
        assert {"call.wav", "events.jsonl", "transcript.json", "session.json"} <= {
            path.name for path in session_dir.iterdir()
        }
        session = json.loads((session_dir / "session.json").read_text())
        assert session["status"] == "completed"
        assert session["result"]["timing_trust"] == entry["timing_trust"]
        assert _recording_s(session_dir / "call.wav") == pytest.approx(
            entry["duration_s"], abs=0.02
        )
        # the health figures were measured for the whole call, and the verdict follows them
        assert entry["pacing"]["frames"] > 0 and entry["loop_lag"]["samples"] > 0
        expected = assess_timing(entry["pacing"], entry["loop_lag"], entry["caller_lag"]).to_json()
        assert entry["timing_trust"] == expected

    byo, starved = run["sessions"]
    assert byo["turns"] == {"caller": 3, "agent": 4} and byo["passed"] is True

    assert starved["timing_trust"]["trusted"] is False
    assert any(r.startswith("event-loop lag max") for r in starved["timing_trust"]["reasons"])
    [budget] = starved["budgets"]
    assert budget["passed"] is False  # it was over budget ...
    assert budget["judged"] is False and budget["note"] == NOT_JUDGED  # ... but not judged
    assert starved["failures"] == [] and starved["passed"] is False
    assert starved["verdict"] == "inconclusive"
    assert starved["reasons"] == ["budget response_latency_p95_ms not judged: timing untrustworthy"]
    assert "not judged: timing untrustworthy" in (run_dir / "report.html").read_text()

    assert "timing untrustworthy, budgets not judged" in result.stderr
    assert "crosstalk: 2/2 done, 0 running, 0 failed, 1 untrusted timing" in result.stderr
    assert "turn  1" not in result.stderr  # no per-turn lines from workers
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_running_sessions_and_keeps_queued_ones_from_starting(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "crosstalk_harness", "run", BYO, BYO, BYO, "--concurrency", "2"]
        + ["--out", str(tmp_path)],
        cwd=REPO,
        # as in a terminal (see test_interrupted_run.py)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stderr=subprocess.PIPE,
        bufsize=1,
        text=True,
    )
    assert process.stderr is not None
    started = 0
    for line in process.stderr:  # both workers' calls are under way
        started += "call started" in line
        if started == 2:
            break
    time.sleep(2.0)  # some audio on record
    process.send_signal(signal.SIGINT)
    rest = process.stderr.read()
    assert process.wait(timeout=90) == 130, rest
    assert "artifacts so far are kept" in rest and "Traceback" not in rest

    [run_dir] = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["cancelled"] is True and run["passed"] is False
    assert run["not_run"] == ["03-byo_agent"]
    assert "Incomplete run: cancelled" in (run_dir / "report.html").read_text()
    assert [s["session_id"] for s in run["sessions"]] == ["01-byo_agent", "02-byo_agent"]
    assert sorted(path.name for path in run_dir.iterdir() if path.is_dir()) == [
        "01-byo_agent",
        "02-byo_agent",
    ]
    for entry in run["sessions"]:
        assert entry["outcome"] == "cancelled"
        session_dir = run_dir / entry["session_id"]
        session = json.loads((session_dir / "session.json").read_text())
        assert session["status"] == "cancelled"
        duration = _recording_s(session_dir / "call.wav")
        assert duration == pytest.approx(session["result"]["duration_s"], abs=0.02)
        assert duration > 1


@pytest.mark.parametrize("value", ["0", "-2", "two"])
def test_concurrency_must_be_a_positive_number(crosstalk, tmp_path, value):
    result = crosstalk("run", BYO, "--concurrency", value, "--out", str(tmp_path))
    assert result.exit_code == 2
    assert "--concurrency" in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())
