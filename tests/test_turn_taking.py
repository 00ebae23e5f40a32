"""The caller's turn-taking behaviours, seen in the recording of real calls: barge-in, backchannel
and stall each land where the persona says, measured on call.wav by the timing probes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crosstalk_harness.probes import analyze_recording

from .conftest import FIXTURES, run_crosstalk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("turn-taking")
    scenarios = FIXTURES / "scenarios"
    result = run_crosstalk(
        "run",
        str(scenarios / "turn_taking.yaml"),
        str(scenarios / "backchannel.yaml"),
        "--out",
        str(out),
        "--json",
        "-q",
    )
    assert result.exit_code == 0, result.stderr
    run = result.json()
    return {s["session_id"].split("-", 1)[1]: Path(s["directory"]) for s in run["sessions"]}


def _segments(session: Path) -> dict[str, list[list[float]]]:
    return analyze_recording(session / "call.wav").to_json()["segments"]


def _state(session: Path) -> dict:
    return json.loads((session / "caller_state.json").read_text())


def _onset_near(segments: list[list[float]], t: float, within: float = 0.3) -> list[float]:
    found = [seg for seg in segments if abs(seg[0] - t) <= within]
    assert found, f"no speech starts near {t:.2f} s in {segments}"
    return found[0]


def test_barge_in_lands_at_the_configured_point_of_the_agents_speech(calls):
    session = calls["turn_taking"]
    barge_in = _state(session)["barge_ins"][0]
    segments = _segments(session)
    agent = _onset_near(segments["agent"], barge_in["agent_started_s"])
    caller = _onset_near(segments["caller"], barge_in["said_at_s"])
    assert agent[0] < caller[0] < agent[1], "the barge-in must land while the agent is speaking"
    assert caller[0] - agent[0] == pytest.approx(1.2, abs=0.1)


def test_stall_is_a_silence_of_the_configured_length(calls):
    session = calls["turn_taking"]
    state = _state(session)
    stall = state["stalls"][0]
    assert stall["completed"] and stall["stall_s"] == 3
    segments = _segments(session)
    last_line = segments["caller"][-1]
    agent_before = [seg for seg in segments["agent"] if seg[1] <= last_line[0]][-1]
    silence = last_line[0] - agent_before[1]
    assert 3.0 - 0.1 <= silence <= 3.0 + 0.4, f"silence before the stalled line: {silence:.2f} s"
    assert state["goal_achieved"] is True and state["ended_by"] == "caller"


def test_backchannel_is_heard_during_agent_speech(calls):
    session = calls["backchannel"]
    said = _state(session)["backchannels"]
    assert said, "the persona backchannels every 2 s of agent speech"
    segments = _segments(session)
    first = _onset_near(segments["caller"], said[0]["said_at_s"])
    assert first[1] - first[0] < 1.2, "a backchannel is short"
    assert any(a[0] < first[0] < a[1] for a in segments["agent"]), "heard over the agent"
    events = (session / "events.jsonl").read_text().splitlines()
    assert any('"caller_backchannel"' in line for line in events)
