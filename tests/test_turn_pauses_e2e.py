"""Real calls with a caller who pauses mid-line and talks to someone in the room.

Every commit: the reference agent with short endpointing takes the caller's 1.5 s pause for the
end of the turn (takeover rate 1, the budget and `no_takeover` fail) and answers the caller's
aside (`asides_ignored` fails), one ~13 s call. Slow tier: the same call with long endpointing
does not take over (rate 0), and an agent that cannot be interrupted talks through an aside
without being charged with a missed barge-in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .calls import place_trusted
from .conftest import FIXTURES

pytestmark = pytest.mark.e2e


def _call(tmp_path_factory, scenario: str) -> dict:
    scenario_path = FIXTURES / "scenarios" / f"{scenario}.yaml"
    _result, session = place_trusted(scenario_path, tmp_path_factory.mktemp(scenario))
    assert session["outcome"] == "completed", session
    return session


def _probes(session: dict) -> dict:
    return json.loads((Path(session["directory"]) / "probes.json").read_text())


@pytest.fixture(scope="module")
def short_endpointing(tmp_path_factory) -> dict:
    return _call(tmp_path_factory, "pause_short_endpointing")


def test_short_endpointing_takes_over_the_callers_pause(short_endpointing):
    probes = _probes(short_endpointing)
    [paused] = probes["pauses"]
    [pause] = paused["pauses"]
    assert paused["takeover"] and pause["pause_s"] == 1.5
    assert pause["start_s"] <= paused["agent_start_s"]
    if paused["in_pause_s"] is not None:  # began inside the silence (not once the caller resumed)
        assert paused["agent_start_s"] < pause["start_s"] + 1.5
    assert probes["summary"]["takeover_rate"] == 1.0


def test_the_caller_really_went_silent_mid_line(short_endpointing):
    probes = _probes(short_endpointing)
    [pause] = probes["pauses"][0]["pauses"]
    first, second = probes["segments"]["caller"][:2]
    # the first half ends where the planned pause begins, the second comes 1.5 s or more later
    assert abs(first[1] - pause["start_s"]) < 0.3
    assert second[0] - first[1] >= 1.5 - 0.04


def test_the_takeover_budget_and_check_fail(short_endpointing):
    [budget] = short_endpointing["budgets"]
    assert budget["budget"] == "takeover_rate_max"
    assert budget["judged"] is True and budget["passed"] is False
    reasons = short_endpointing["reasons"]
    assert "takeover_rate_max 1.0 exceeds its budget of 0.0" in reasons
    assert any(r.startswith("no_takeover: the agent took over 1 of 1") for r in reasons)


def test_an_agent_that_answers_everything_answers_the_aside(short_endpointing):
    [aside] = _probes(short_endpointing)["asides"]
    assert aside["answered"] is True and aside["line"] == 1
    assert any(
        r.startswith("asides_ignored: the agent answered 1 of 1 aside(s)")
        for r in short_endpointing["reasons"]
    )
    # the aside is no barge-in: it was said after the agent's turn, and planned as side talk
    assert _probes(short_endpointing)["summary"]["barge_ins"] == 0


@pytest.mark.slow
def test_long_endpointing_waits_out_the_same_pause(tmp_path_factory):
    session = _call(tmp_path_factory, "pause_long_endpointing")
    probes = _probes(session)
    [paused] = probes["pauses"]
    assert paused["takeover"] is False and probes["summary"]["takeover_rate"] == 0.0
    # the agent did answer, after the caller's whole line
    agent = probes["segments"]["agent"]
    assert agent and agent[0][0] > probes["segments"]["caller"][1][1]
    [budget] = session["budgets"]
    assert budget["judged"] is True and budget["passed"] is True


@pytest.mark.slow
def test_an_agent_that_talks_through_an_aside_is_not_charged_with_a_missed_barge_in(
    tmp_path_factory,
):
    session = _call(tmp_path_factory, "aside_talked_through")
    probes = _probes(session)
    summary = probes["summary"]
    assert summary["barge_in_intent"] == "plan" and summary["missed_interruptions"] >= 1
    assert (summary["barge_ins"], summary["missed_barge_ins"]) == (0, 0)
    [budget] = session["budgets"]
    assert budget["passed"] is None and budget["judged"] is False
    # its only reason is the budget left unjudged: nothing charged it with a missed barge-in
    assert all("not judged" in reason for reason in session["reasons"]), session["reasons"]
    [aside] = probes["asides"]
    assert aside["answered"] is False and "talked on" in aside["why"]
