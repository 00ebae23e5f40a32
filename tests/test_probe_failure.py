"""A crash in the timing probes makes the session an error, never a pass of every budget (a
budget with no figure to check would otherwise count as met)."""

from __future__ import annotations

import json

import pytest
from crosstalk_harness.config import load_scenario
from crosstalk_harness.errors import InfrastructureError
from crosstalk_harness.runner import session as session_module
from crosstalk_harness.runner.session import SessionRun

from .conftest import FIXTURES

pytestmark = pytest.mark.e2e


async def test_a_probe_exception_makes_the_session_an_error(tmp_path, monkeypatch):
    def broken_probes(directory):
        raise RuntimeError("the activity detector blew up")

    monkeypatch.setattr(session_module, "write_session_probes", broken_probes)
    loaded = load_scenario(FIXTURES / "scenarios" / "over_budget.yaml")
    directory = tmp_path / "01-over_budget"
    with pytest.raises(InfrastructureError, match="timing probes failed: RuntimeError"):
        await SessionRun(loaded, "01-over_budget", directory).run()

    document = json.loads((directory / "session.json").read_text())
    assert document["status"] == "error"
    assert "the activity detector blew up" in document["result"]["error"]
    assert document["result"]["budgets"] == [], "no figures: no budget can be said to pass"
    assert (directory / "call.wav").is_file() and (directory / "transcript.json").is_file()
