"""A persona that stalls 5 s before answering, on an idle machine, keeps its timing trusted: the
stall is the persona's, reported as a deliberate wait and left out of the caller's lag (before,
it read as "caller fell behind" and every such session came out inconclusive). One short call
(about 12 s) against the tiny agent, which never prompts a quiet caller."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crosstalk_harness.rundir.files import read_jsonl
from crosstalk_harness.rundir.layout import SessionPaths

from .conftest import run_crosstalk

pytestmark = pytest.mark.e2e

STALL_S = 5.0
SCENARIO = """\
name: stalling_caller
persona: staller.yaml
agent:
  factory: tests.fixtures.tiny_agent:create_agent
max_duration_s: 15
budgets:
  response_latency_p95_ms: 6000
"""
PERSONA = f"""\
name: staller
goal: Think it over for a while, then say goodbye.
voice: {{espeak: en-us, words_per_minute: 190}}
script:
  - say: Thanks, goodbye.
    stall_s: {STALL_S}
"""


@pytest.fixture(scope="module")
def stalled(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("stall")
    (folder / "stalling_caller.yaml").write_text(SCENARIO)
    (folder / "staller.yaml").write_text(PERSONA)
    result = run_crosstalk(
        "run", str(folder / "stalling_caller.yaml"), "--out", str(folder / "out"), "--json", "-q"
    )
    assert result.exit_code in (0, 1, 4), result.stderr
    [session] = result.json()["sessions"]
    return Path(session["directory"])


def test_a_five_second_stall_keeps_the_timing_trusted(stalled):
    session = json.loads(SessionPaths(stalled).session.read_text())
    result = session["result"]
    assert result["outcome"] == "completed"
    assert result["timing_trust"] == {"trusted": True, "reasons": []}, result["caller_lag"]
    assert result["caller_lag"]["replies"] >= 1
    assert result["caller_lag"]["max_s"] < 4.0
    # the stall counted from the end of the agent's speech: what fell inside the caller's reply
    # (after its end-of-turn decision) is left out; counted as lag, it was over the 4 s limit
    assert result["caller_lag"]["deliberate_waits_s"] >= 2.0
    assert result["caller_lag"]["max_s"] + result["caller_lag"]["deliberate_waits_s"] > 4.0
    agent_side = result["agent_lag"]
    assert set(agent_side) == {"speech-to-text", "speech synthesis"}
    assert all(model["real_time_factor"] < 1.0 for model in agent_side.values())
    assert [b["judged"] for b in result["budgets"]] == [True]


def test_the_stall_was_really_in_the_call_and_reported_as_a_wait(stalled):
    records = read_jsonl(SessionPaths(stalled).events).records
    stalls = [r["data"] for r in records if r["type"] == "caller_stall"]
    assert [s["completed"] for s in stalls] == [True]
    assert stalls[0]["until_s"] - stalls[0]["from_s"] == pytest.approx(STALL_S, abs=0.2)
    waits = [r["data"] for r in records if r["type"] == "caller_waited"]
    assert "stall" in {w["why"] for w in waits}
    probes = json.loads(SessionPaths(stalled).probes.read_text())
    assert probes["summary"]["longest_silence_s"] >= STALL_S - 0.5
