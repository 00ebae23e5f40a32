"""Ctrl-C (exit 130) or SIGTERM (exit 143, what CI runners and Kubernetes send) during a call:
everything recorded so far is kept and marked cancelled, run.json and the report are written."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import wave

import pytest

from .conftest import REPO

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("stop", "exit_code"),
    # SIGTERM (what CI runners send) on every commit; Ctrl-C, the same path, in the slow tier
    [pytest.param(signal.SIGINT, 130, marks=pytest.mark.slow), (signal.SIGTERM, 143)],
)
def test_interrupting_a_run_keeps_its_artifacts(tmp_path, stop, exit_code):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crosstalk_harness",
            "run",
            "scenarios/demo_order_status.yaml",
            "--out",
            str(tmp_path),
        ],
        cwd=REPO,
        # as in a terminal: a test runner started in the background may ignore SIGINT, and a
        # child inherits that, so the child gets the default back
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stderr=subprocess.PIPE,
        bufsize=1,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # wait until the call is under way: the agent has spoken
        if "turn  1" in line:
            break
    process.send_signal(stop)
    rest = process.stderr.read()
    assert process.wait(timeout=60) == exit_code
    assert "artifacts so far are kept" in rest and "Traceback" not in rest

    [run_dir] = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["cancelled"] is True and run["passed"] is False
    [session_dir] = [path for path in run_dir.iterdir() if path.is_dir()]
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "cancelled"  # not left "running"
    assert [s["verdict"] for s in run["sessions"]] == ["inconclusive"]
    with wave.open(str(session_dir / "call.wav")) as recording:
        duration = recording.getnframes() / recording.getframerate()
    assert duration == pytest.approx(session["result"]["duration_s"], abs=0.02)
    assert duration > 3
    transcript = json.loads((session_dir / "transcript.json").read_text())
    assert transcript["turns"][0]["speaker"] == "agent"
    report = (run_dir / "report.html").read_text()  # the report covers what finished
    assert "Incomplete run: cancelled" in report and "cancelled before the call finished" in report
