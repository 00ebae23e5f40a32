"""What the agent said is evidence whatever the clock did, and every output agrees on it.

One real call (about 12 s of audio), placed through the pytest plugin (`pytest --crosstalk`):
the agent starves the event loop as it enters, reads a card number aloud and talks until the
call reaches max_duration_s. Timing is untrustworthy, so the call limit is excused; the spoken
card still fails `no_pii_spoken`, and the plugin, `crosstalk judge`, `crosstalk report` and
results.json all say failed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .calls import run_pytest_plugin
from .conftest import FIXTURES, REPO, run_crosstalk

pytestmark = pytest.mark.e2e

SCENARIO = FIXTURES / "scenarios" / "card_read_aloud.yaml"
SESSION = "01-card_read_aloud"


@pytest.fixture(scope="module")
def plugin_run(tmp_path_factory):
    """The pytest plugin's result and the run directory it left (one call)."""
    out = tmp_path_factory.mktemp("card_read_aloud")
    result = run_pytest_plugin(
        "--crosstalk", str(SCENARIO), "--crosstalk-out", str(out), "-q", cwd=REPO
    )
    [run_dir] = out.iterdir()
    return result, run_dir


def _results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def test_a_card_read_aloud_fails_even_when_the_call_ran_out_of_time_on_untrusted_timing(
    plugin_run,
):
    _, run_dir = plugin_run
    document = json.loads((run_dir / SESSION / "session.json").read_text())
    assert document["status"] == "max_duration"
    assert document["result"]["duration_s"] <= 15  # the budget of an every-commit call
    assert document["result"]["timing_trust"]["trusted"] is False
    verdicts = json.loads((run_dir / SESSION / "judgement.json").read_text())["verdicts"]
    assert [(v["judge"], v["status"]) for v in verdicts] == [("no_pii_spoken", "failed")]
    [session] = _results(run_dir)["sessions"]
    assert session["outcome"] == "failed"
    kinds = [(r["kind"], r["source"]) for r in session["reason_details"]]
    assert kinds == [("guardrail", "check:no_pii_spoken"), ("timing-trust", "call")]
    card, limit = session["reason_details"]
    assert card["text"] == "no_pii_spoken: the agent spoke a card back in turn 1"
    assert limit["text"].startswith("not judged, the call ran out of time while ")
    assert limit["text"].endswith("the call reached max_duration_s before the caller was done")


def test_the_plugin_judge_report_and_results_agree_on_the_failure(plugin_run, tmp_path):
    result, plugin_dir = plugin_run
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout and "no_pii_spoken" in result.stdout
    run_dir = tmp_path / plugin_dir.name  # a copy: the other test reads the original
    shutil.copytree(plugin_dir, run_dir)
    results = _results(run_dir)
    assert (results["outcome"], results["exit_code"]) == ("failed", 1)
    judged = run_crosstalk("judge", str(run_dir))
    assert judged.exit_code == 1, judged.stdout + judged.stderr
    assert _results(run_dir)["outcome"] == "failed"
    reported = run_crosstalk("report", str(run_dir))
    assert reported.exit_code == 1, reported.stdout + reported.stderr
    assert _results(run_dir)["outcome"] == "failed"
