"""The demo checks the outcome, not only the words: when the agent mishears the new address, the
demo fails (it used to pass with a wrong address written), and the read-back shows where."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from .conftest import REPO, run_crosstalk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _demo_with_agent(factory: str, folder: Path) -> Path:
    """The shipped demo scenario as is (its success: section included), with another agent."""
    scenario = yaml.safe_load((REPO / "scenarios" / "demo_order_status.yaml").read_text())
    scenario["agent"]["factory"] = factory
    scenario["persona"] = str(REPO / "personas" / f"{scenario['persona']}.yaml")
    path = folder / "demo_misheard.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def test_the_demo_fails_when_the_agent_writes_a_misheard_address(tmp_path):
    scenario = _demo_with_agent("tests.fixtures.mishearing_agent:create_agent", tmp_path)
    result = run_crosstalk("run", str(scenario), "--out", str(tmp_path / "out"), "--json", "-q")
    assert result.exit_code == 1, result.stderr
    [session] = result.json()["sessions"]
    assert session["verdict"] == "failed"
    # whatever the agent did next (a wrong write, or no write after the caller said no), the
    # address in its database is not the one the caller asked for, and the demo says so
    [wrong] = [r for r in session["reasons"] if r.startswith("db_state")]
    assert "expected '12 Baker Street'" in wrong

    directory = Path(session["directory"])
    agent_said = [t["text"] for t in json.loads((directory / "transcript.json").read_text())[
        "turns"
    ] if t["speaker"] == "agent"]  # fmt: skip
    # the agent read the address back before changing it: the mishearing is visible in the call
    assert any("should now go to 12 Bakers Treat. Is that right?" in said for said in agent_said)
    results = json.loads((directory.parent / "results.json").read_text())
    assert results["outcome"] == "failed" and results["sessions"][0]["outcome"] == "failed"
