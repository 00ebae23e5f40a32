"""End to end on the offline stack: real sessions, real models, real-time audio, both ways.

The tests read a call with the reference agent placed once per test session (conftest.py): the
short purpose-built call in the every-commit tier, the demo call (about a minute of audio) in
the slow tier, with the same assertions; the user-supplied agent's call is placed once here.
"""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
from crosstalk_harness.judging import word_error_rate
from crosstalk_harness.transport import FRAME_S

from .calls import PlacedCall
from .conftest import FIXTURES, run_crosstalk

pytestmark = pytest.mark.e2e


def _place_call(scenario: Path, out: Path, exit_code: int = 0) -> tuple[dict, Path]:
    result = run_crosstalk("run", str(scenario), "--out", str(out), "--json")
    assert result.exit_code == exit_code, result.stderr
    run = result.json()
    [session] = run["sessions"]
    return run, Path(session["directory"])


@pytest.fixture(
    scope="module", params=["quick_order_call", pytest.param("demo_call", marks=pytest.mark.slow)]
)
def reference_call(request) -> tuple[dict, Path]:
    """A call with the reference agent: the short one every commit, the demo in the slow tier."""
    placed: PlacedCall = request.getfixturevalue(request.param)
    return placed.run, placed.session_dir


@pytest.fixture(scope="module")
def byo_call(tmp_path_factory):
    return _place_call(FIXTURES / "scenarios" / "byo_agent.yaml", tmp_path_factory.mktemp("byo"))


def _transcript(session_dir: Path) -> list[dict]:
    return json.loads((session_dir / "transcript.json").read_text())["turns"]


def test_demo_writes_a_complete_session_directory(reference_call):
    run, session_dir = reference_call
    assert (run["outcome"], run["passed"]) == ("inconclusive", False)
    [entry] = run["sessions"]
    assert any(r.startswith("task_completion not run") for r in entry["not_judged"])
    assert not [r for r in entry["reasons"] if r not in entry["not_judged"]]  # nothing failed
    for name in ("call.wav", "events.jsonl", "transcript.json", "session.json", "probes.json"):
        assert (session_dir / name).stat().st_size > 0
    session = json.loads((session_dir / "session.json").read_text())
    assert session["status"] == "completed"
    assert session["versions"]["livekit-agents"] == "1.8.9"
    assert session["seed"] == 7


def test_the_reference_agent_heard_the_order_number_and_each_reply_has_its_fidelity_row(
    quick_order_call: PlacedCall,
):
    session_dir = quick_order_call.session_dir
    hearing = json.loads((session_dir / "hearing.json").read_text())
    said = [fact for fact in hearing["facts"] if fact["value"] == "42791"]
    assert said and all(fact["heard"] for fact in said)  # as its lookup_order call says too
    assert hearing["summary"]["entity_recall"] == 1.0
    assert hearing["summary"]["agent_wer"] is not None
    turns = enumerate(_transcript(session_dir), start=1)
    agent_turns = [n for n, t in turns if t["speaker"] == "agent" and t["heard_as"]]
    assert [row["turn"] for row in hearing["agent_turns"]] == agent_turns


@pytest.mark.slow
def test_demo_has_at_least_four_turns_each_way(demo_call: PlacedCall):
    session_dir = demo_call.session_dir
    turns = _transcript(session_dir)
    speakers = [turn["speaker"] for turn in turns]
    assert speakers.count("caller") >= 4 and speakers.count("agent") >= 4
    assert speakers[0] == "agent"  # the agent opens the call
    starts = [turn["start_s"] for turn in turns]
    assert starts == sorted(starts) and None not in starts


def test_agent_heard_the_caller_with_word_error_rate_at_most_10_percent(reference_call):
    _, session_dir = reference_call
    caller_turns = [turn for turn in _transcript(session_dir) if turn["speaker"] == "caller"]
    said = " ".join(turn["text"] for turn in caller_turns)
    heard = " ".join(turn["heard_as"] or "" for turn in caller_turns)
    wer = word_error_rate(said, heard)
    print(f"caller -> agent WER: {wer:.1%} over {len(said.split())} words")
    assert wer <= 0.10  # Piper voices (espeak-ng measured 25.6 %)


def test_the_agent_acted_on_what_it_heard(reference_call):
    _, session_dir = reference_call
    agent_lines = " ".join(t["text"] for t in _transcript(session_dir) if t["speaker"] == "agent")
    assert "4 2 7 9 1" in agent_lines  # the order number reached the agent through audio


def test_recording_is_stereo_and_as_long_as_the_session(reference_call):
    _, session_dir = reference_call
    session = json.loads((session_dir / "session.json").read_text())
    with wave.open(str(session_dir / "call.wav")) as wav:
        assert wav.getnchannels() == 2
        assert wav.getframerate() == session["transport"]["sample_rate"] == 16_000
        duration = wav.getnframes() / wav.getframerate()
    assert duration == pytest.approx(session["result"]["duration_s"], abs=FRAME_S)
    last_event_t = max(
        json.loads(line)["t"] for line in (session_dir / "events.jsonl").read_text().splitlines()
    )
    assert duration == pytest.approx(last_event_t, abs=FRAME_S * 2)


def test_events_cover_both_sides_on_the_session_clock(reference_call):
    _, session_dir = reference_call
    events = [json.loads(line) for line in (session_dir / "events.jsonl").read_text().splitlines()]
    kinds = {(event["side"], event["type"]) for event in events}
    for side in ("caller", "agent"):
        for kind in (
            "user_state_changed",
            "agent_state_changed",
            "conversation_item_added",
            "user_input_transcribed",
            "speech_created",
            "metrics_collected",
            "playback_started",
            "playback_finished",
        ):
            assert (side, kind) in kinds, (side, kind)
    times = [event["t"] for event in events]
    assert times == sorted(times)


def test_the_caller_hears_by_level_and_the_agent_keeps_its_own_vad(reference_call):
    """The caller's VAD is the harness's energy gate; the agent under test keeps Silero."""
    _, session_dir = reference_call
    events = [json.loads(line) for line in (session_dir / "events.jsonl").read_text().splitlines()]
    labels = {
        (event["side"], event["data"]["metrics"]["label"])
        for event in events
        if event["type"] == "metrics_collected"
        and event["data"]["metrics"]["type"] == "vad_metrics"
    }
    assert labels == {
        ("caller", "crosstalk_harness.callers.energy_vad.EnergyVAD"),
        ("agent", "livekit.plugins.silero.vad.VAD"),
    }


@pytest.mark.slow  # its own 20 s call; every commit places byo agents in the short calls
def test_user_supplied_agent_runs_exactly_like_the_default(byo_call, reference_call):
    byo_run, byo_dir = byo_call
    _, demo_dir = reference_call
    assert byo_run["passed"] is True
    own_artifacts = {"agent_events.jsonl", "agent.sqlite"}  # the reference agent's own files
    assert sorted(p.name for p in byo_dir.iterdir()) == sorted(
        p.name for p in demo_dir.iterdir() if p.name not in own_artifacts
    )
    turns = _transcript(byo_dir)
    agent_lines = [t["text"] for t in turns if t["speaker"] == "agent"]
    assert agent_lines[0] == "Hello, you are through to the tiny help desk."
    assert agent_lines[-1] == "See you later."  # the scenario's agent.options reached the factory
    assert any(line.startswith("I heard:") for line in agent_lines)
    session = json.loads((byo_dir / "session.json").read_text())
    assert session["scenario"]["agent"]["factory"] == "tests.fixtures.tiny_agent:create_agent"


def test_probes_measure_every_turn_of_the_demo_from_its_recording(reference_call):
    _, session_dir = reference_call
    probes = json.loads((session_dir / "probes.json").read_text())
    transcript = _transcript(session_dir)
    caller_turns = sum(1 for turn in transcript if turn["speaker"] == "caller")
    assert probes["summary"]["turns"] == {
        "caller": caller_turns,
        "agent": sum(1 for turn in transcript if turn["speaker"] == "agent"),
    }
    assert len(probes["responses"]) == caller_turns  # every caller turn was answered
    assert probes["interruptions"] == []
    first_agent = next(turn for turn in transcript if turn["speaker"] == "agent")
    assert probes["summary"]["greeting_latency_ms"] / 1000 >= first_agent["start_s"] - 0.02
    for row in probes["agent_view"]:
        assert row["agent_e2e_latency_ms"] is not None
        assert row["heard_latency_ms"] >= row["agent_e2e_latency_ms"] - 100
    session = json.loads((session_dir / "session.json").read_text())
    assert session["result"]["timing"]["response_latency"]["count"] == caller_turns
    said = [label["caller_said"] for label in probes["response_labels"]]
    assert said == [turn["text"] for turn in transcript if turn["speaker"] == "caller"]


REAL_RUN_CASES = [
    ({"must_say": {"pattern": "(?i)friday", "speaker": "agent"}}, "passed"),
    ({"must_say": {"pattern": "(?i)refund"}}, "failed"),
    ({"must_not_say": {"pattern": "(?i)guarantee"}}, "passed"),
    ({"must_not_say": {"pattern": "42791", "speaker": "caller"}}, "failed"),
    ({"tool_called": {"name": "lookup_order", "arguments": {"order_id": "42791"}}}, "passed"),
    ({"tool_called": {"name": "lookup_order", "arguments": {"order_id": "11111"}}}, "failed"),
    ({"tool_not_called": {"name": "start_return"}}, "passed"),
    ({"tool_not_called": {"name": "lookup_order"}}, "failed"),
    ({"db_state": {"query": "SELECT COUNT(*) FROM orders", "expect_value": 4}}, "passed"),
    ({"db_state": {"query": "SELECT COUNT(*) FROM orders", "expect_value": 5}}, "failed"),
    ({"no_pii_spoken": {"kinds": ["card", "email", "phone"]}}, "passed"),
    ({"max_turns": {"limit": 30}}, "passed"),
    ({"max_turns": {"limit": 3}}, "failed"),
    ({"max_duration": {"seconds": 300}}, "passed"),
    ({"max_duration": {"seconds": 10}}, "failed"),
    ({"caller_sentiment": {"min_mean": -1.0}}, "passed"),
    ({"caller_sentiment": {"min_mean": 0.99}}, "failed"),
    ("goal_achieved", "passed"),
]


@pytest.mark.parametrize(("check", "expected"), REAL_RUN_CASES, ids=lambda c: str(c)[:40])
def test_each_check_on_the_real_demo_run_directory(reference_call, tmp_path, check, expected):
    import asyncio
    import shutil

    from crosstalk_harness.judging.judge import judge_session
    from crosstalk_harness.judging.settings import JudgeSettings
    from crosstalk_harness.judging.spec import SuccessConfig

    _, session_dir = reference_call
    copy = tmp_path / session_dir.name
    shutil.copytree(session_dir, copy)
    success = SuccessConfig.model_validate({"checks": [check]})
    asyncio.run(judge_session(copy, success, JudgeSettings()))
    verdicts = json.loads((copy / "judgement.json").read_text())["verdicts"]
    [verdict] = [v for v in verdicts if v["kind"] == "check"]
    assert verdict["status"] == expected, verdict["reason"]
