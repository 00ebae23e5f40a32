"""A real call: an agent that cannot be interrupted talks on over a caller's planned barge-in, and
its interruption budget fails on that missed barge-in itself (not merely on the call running
out of time, and never passing with nothing measured)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .calls import place_trusted
from .conftest import FIXTURES

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stubborn_call(tmp_path_factory) -> dict:
    scenario = FIXTURES / "scenarios" / "stubborn_agent.yaml"
    result, session = place_trusted(scenario, tmp_path_factory.mktemp("stubborn"))
    assert result.exit_code == 1
    return session


def test_the_agent_talked_on_over_the_barge_in_the_caller_planned(stubborn_call):
    summary = json.loads((Path(stubborn_call["directory"]) / "probes.json").read_text())["summary"]
    assert summary["barge_in_intent"] == "plan"
    assert (summary["barge_ins"], summary["missed_barge_ins"]) == (1, 1)


def test_the_interruption_budget_itself_fails_on_the_missed_barge_in(stubborn_call):
    [budget] = stubborn_call["budgets"]
    assert budget["budget"] == "interruption_stop_p95_ms"
    assert budget["judged"] is True and budget["passed"] is False
    reason = "interruption_stop_p95_ms: the agent talked on over 1 of 1 barge-ins"
    assert any(failure.startswith(reason) for failure in stubborn_call["failures"])
