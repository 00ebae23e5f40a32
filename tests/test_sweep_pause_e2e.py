"""`crosstalk sweep` over the caller's mid-line pause (slow tier, ~5 calls of ~12 s): against the
reference agent with short endpointing, a short pause is waited out and a long one taken for
the end of the caller's turn; the sweep finds the pause length where the agent starts taking
over (the takeover_rate_max budget and the no_takeover check)."""

from __future__ import annotations

import pytest

from .calls import FIXTURES, run_crosstalk

pytestmark = pytest.mark.slow

PAUSE = FIXTURES / "scenarios" / "sweep_pause.yaml"


def test_a_pause_sweep_finds_where_the_agent_starts_taking_over(tmp_path):
    result = run_crosstalk(
        "sweep",
        str(PAUSE),
        "--vary",
        "pause_s=0.1..1.6",
        "--resolution",
        "0.25",
        "--json",
        "--out",
        str(tmp_path),
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exit_code == 0, result.stderr
    (sweep,) = result.json()["sweeps"]
    margin = sweep["margin"]
    assert margin["status"] == "found"
    assert margin["pass_value"] < margin["fail_value"]  # short pauses pass, long ones fail
    assert abs(margin["fail_value"] - margin["pass_value"]) <= 0.25
    failing = [c for p in sweep["points"] for c in p["calls"] if c["outcome"] == "failed"]
    assert failing and all(any("takeover" in r for r in c["reasons"]) for c in failing)
    figures = [c["figure"] for p in sweep["points"] for c in p["calls"] if c["figure"]]
    assert {f["budget"] for f in figures} == {"takeover_rate_max"}
