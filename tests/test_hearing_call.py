"""An order number misheard through a real line: an espeak caller over loud pink noise on a
telephone band gives "42791" to the tiny echo agent (a livekit agent of the user's own,
no fixture built to mishear), whose Whisper tiny mishears it. One real call (under 15 s),
read by every test here: hearing.json, the budgets and check, results.json, the first screen."""

from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pytest
from crosstalk_harness.judging.wer import holds, normalise

from .conftest import FIXTURES, run_crosstalk

pytestmark = pytest.mark.e2e

SCENARIO = FIXTURES / "scenarios" / "misheard_order.yaml"
ORDER = "42791"


@pytest.fixture(scope="module")
def misheard_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("misheard_order")
    result = run_crosstalk("run", str(SCENARIO), "--out", str(out))
    assert result.exit_code == 1, result.stdout + result.stderr
    [run_dir] = out.iterdir()
    return run_dir


def _session_dir(run_dir: Path) -> Path:
    return run_dir / "01-misheard_order"


def test_the_call_fits_the_every_commit_budget_and_records_the_clean_agent_channel(misheard_run):
    document = json.loads((_session_dir(misheard_run) / "session.json").read_text())
    assert document["status"] == "completed"
    assert document["result"]["duration_s"] <= 15  # the budget of an every-commit call
    assert (_session_dir(misheard_run) / "call_sent.wav").is_file()


def test_the_misheard_order_number_gives_entity_recall_below_one_with_its_misheard_form(
    misheard_run,
):
    hearing = json.loads((_session_dir(misheard_run) / "hearing.json").read_text())
    [fact] = hearing["facts"]
    assert (fact["fact"], fact["value"], fact["heard"]) == ("order number", ORDER, False)
    assert fact["heard_as"] != ORDER
    transcript = json.loads((_session_dir(misheard_run) / "transcript.json").read_text())
    heard = transcript["turns"][fact["turn"] - 1]
    assert heard["speaker"] == "caller" and ORDER in heard["text"]
    # the misheard form is a span of what the agent's own speech-to-text heard in that turn
    assert holds(normalise(heard["heard_as"] or ""), normalise(fact["heard_as"]))
    assert hearing["summary"]["entity_recall"] < 1


def test_the_hearing_budget_and_check_fail_as_hearing_and_results_json_says_why(misheard_run):
    [session] = json.loads((misheard_run / "results.json").read_text())["sessions"]
    assert session["outcome"] == "failed"
    kinds = {(r["kind"], r["source"]) for r in session["reason_details"]}
    assert ("hearing", "budget:entity_recall_min") in kinds
    assert ("hearing", "check:entities_heard") in kinds
    [missed] = session["hearing"]["missed_facts"]
    assert missed["value"] == ORDER and session["hearing"]["entity_recall"] < 1
    budgets = {b["budget"]: b for b in session["budgets"]}
    assert budgets["entity_recall_min"]["judged"] is True  # whatever the clock did


def test_the_first_screen_says_what_the_agent_heard_instead(misheard_run):
    html = (misheard_run / "report.html").read_text()
    glance = html.split('id="glance"', 1)[1].split('id="speed"', 1)[0]
    hearing = json.loads((_session_dir(misheard_run) / "hearing.json").read_text())
    [fact] = hearing["facts"]
    assert "What was misheard" in glance
    sentence = f"the agent heard “{ORDER}” as “{fact['heard_as']}” (turn {fact['turn']})"
    assert escape(sentence) in glance


def test_every_agent_turn_the_caller_heard_has_its_fidelity_row(misheard_run):
    hearing = json.loads((_session_dir(misheard_run) / "hearing.json").read_text())
    rows = hearing["agent_turns"]
    assert rows and all(r["heard_clean"] is not None for r in rows)
    for row in rows:
        for entity in row["entities"]:
            assert entity["cause"] in (None, "agent speech", "line/harness hearing")
            assert entity["heard_clean"] is not None
