"""An agent that says goodbye and ends the call right after its greeting never passes: with no
`success:` section the call fails for hanging up (not "passed", not "nothing was asked"), and
with something asked that holds it fails all the same, with kind turn-taking. One real call
(about 4 s), judged twice: as placed, and re-judged with a check added to its scenario."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURES, run_crosstalk

pytestmark = pytest.mark.e2e

HUNG_UP = {
    "kind": "turn-taking",
    "text": "the agent ended the call before the caller was done",
    "source": "call",
}


@pytest.fixture(scope="module")
def hung_up_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hangs_up")
    result = run_crosstalk("run", str(FIXTURES / "scenarios" / "hangs_up.yaml"), "--out", str(out))
    assert result.exit_code == 1, result.stderr
    [run_dir] = out.iterdir()
    return run_dir


def _session(run_dir: Path) -> dict:
    [session] = json.loads((run_dir / "results.json").read_text())["sessions"]
    return session


def test_hanging_up_after_the_greeting_fails_a_scenario_that_asks_nothing(hung_up_run):
    document = json.loads((hung_up_run / "01-hangs_up" / "session.json").read_text())
    assert document["scenario"]["success"]["checks"] == []  # nothing asked
    assert document["result"]["duration_s"] <= 15  # the budget of an every-commit call
    session = _session(hung_up_run)
    assert (session["status"], session["outcome"]) == ("completed", "failed")
    assert session["reason_details"] == [HUNG_UP]


def test_hanging_up_fails_with_kind_turn_taking_when_the_scenario_asks_something(
    hung_up_run, tmp_path
):
    run_dir = tmp_path / hung_up_run.name
    shutil.copytree(hung_up_run, run_dir)
    session_file = run_dir / "01-hangs_up" / "session.json"
    document = json.loads(session_file.read_text())
    document["scenario"]["success"]["checks"] = [
        {"must_say": {"pattern": "(?i)goodbye", "speaker": "agent"}}
    ]
    session_file.write_text(json.dumps(document))
    judged = run_crosstalk("judge", str(run_dir))
    assert judged.exit_code == 1, judged.stdout + judged.stderr
    verdicts = json.loads((run_dir / "01-hangs_up" / "judgement.json").read_text())["verdicts"]
    assert [(v["judge"], v["status"]) for v in verdicts] == [("must_say", "passed")]
    session = _session(run_dir)
    assert session["outcome"] == "failed"
    assert session["reason_details"] == [HUNG_UP]
