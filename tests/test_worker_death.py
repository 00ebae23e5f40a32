"""A worker process killed mid-call (SIGKILL) costs only its own session: the other calls finish
with complete directories, the dead one is an error in run.json and its session.json says so,
and a session queued behind it still runs in a fresh worker."""

from __future__ import annotations

import json

import pytest
from crosstalk_harness.errors import EXIT_INFRASTRUCTURE

from .conftest import FIXTURES

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BYO = str(FIXTURES / "scenarios" / "byo_agent.yaml")
DYING = str(FIXTURES / "scenarios" / "dying_worker.yaml")


def test_a_killed_worker_loses_only_its_own_session(crosstalk, tmp_path):
    result = crosstalk("run", BYO, DYING, BYO, "--concurrency", "2", "--out", str(tmp_path))
    assert result.exit_code == EXIT_INFRASTRUCTURE, result.stderr
    assert "Traceback" not in result.stderr

    [run_dir] = tmp_path.iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert [s["session_id"] for s in run["sessions"]] == ["01-byo_agent", "03-byo_agent"]
    assert run["not_run"] == [] and run["cancelled"] is False
    [error] = run["errors"]
    assert "02-dying_worker" in error and "worker process died (killed by signal 9)" in error
    for entry in run["sessions"]:
        session_dir = run_dir / entry["session_id"]
        names = {path.name for path in session_dir.iterdir()}
        assert {"call.wav", "events.jsonl", "transcript.json", "probes.json"} <= names
        assert {"session.json", "caller_state.json"} <= names
        assert json.loads((session_dir / "session.json").read_text())["status"] == "completed"
        assert entry["passed"] is True

    dead = run_dir / "02-dying_worker"
    session = json.loads((dead / "session.json").read_text())
    assert session["status"] == "error" and "worker process died" in session["result"]["error"]
    events = (dead / "events.jsonl").read_text().splitlines()
    assert events and all(json.loads(line) for line in events), "every logged line survives"
    assert any('"call_started"' in line for line in events)
