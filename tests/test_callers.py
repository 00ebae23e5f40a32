"""The three caller brains on real calls: an `llm` caller played by a (local, fake) chat model
over the real openai SDK, a `replay` of a recorded caller, and the scripted caller's determinism."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest
from crosstalk_harness.callers.base import CallerContext
from crosstalk_harness.callers.hearing import HeardSpeech
from crosstalk_harness.callers.llm import render_instructions
from crosstalk_harness.config import load_scenario
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI

from .conftest import FIXTURES, run_crosstalk

LLM_LINES = ["Hi, I am checking on a parcel.", "It is order 42791. Thanks, bye."]


def _caller_turns(session: Path) -> list[dict]:
    turns = json.loads((session / "transcript.json").read_text())["turns"]
    return [turn for turn in turns if turn["speaker"] == "caller"]


def _state(session: Path) -> dict:
    return json.loads((session / "caller_state.json").read_text())


def _play_the_caller(body: dict) -> ChatReply:
    """The fake model: says its lines in turn, then hangs up with the end_call tool."""
    said = sum(1 for message in body["messages"] if message["role"] == "assistant")
    tool_results = [m for m in body["messages"] if m["role"] == "tool"]
    if tool_results:
        return ChatReply(content="")
    if said < len(LLM_LINES):
        return ChatReply(content=LLM_LINES[said])
    return ChatReply(tool_calls=[("end_call", {"goal_achieved": True, "reason": "got it"})])


def _run(*args: str, env: dict[str, str] | None = None) -> tuple[dict, list[Path]]:
    result = run_crosstalk("run", *args, "--json", "-q", env=env)
    assert result.exit_code == 0, result.stderr
    run = result.json()
    return run, [Path(session["directory"]) for session in run["sessions"]]


def caller_context(scenario: Path) -> CallerContext:
    """A caller's context outside any call: clock at zero, nothing heard, reports dropped."""
    loaded = load_scenario(scenario)
    return CallerContext(
        persona=loaded.persona,
        scenario=loaded.scenario,
        scenario_dir=scenario.parent,
        opens_call=False,
        own_brain=True,
        clock=lambda: 0.0,
        hearing=HeardSpeech(),
        report=lambda kind, data: None,
        seed=loaded.scenario.seed,
    )


def _rendered(scenario: Path, template: Path | None) -> str:
    return render_instructions(caller_context(scenario), template)


def test_llm_caller_template_renders_the_persona_and_can_be_overridden(tmp_path):
    scenario = FIXTURES / "scenarios" / "llm_caller.yaml"
    ours = _rendered(scenario, None)
    assert "Find out when order 42791 arrives." in ours
    assert "order number: 42791" in ours and "postcode: SW1A 1AA" in ours
    assert "patience low" in ours and "end_call" in ours
    template = tmp_path / "mine.j2"
    template.write_text("You are {{ persona.name }} and you want: {{ persona.goal }}")
    assert _rendered(scenario, template) == (
        "You are order_facts_caller and you want: Find out when order 42791 arrives."
    )


@pytest.mark.slow
@pytest.mark.e2e
def test_llm_caller_holds_a_conversation_and_hangs_up_itself(tmp_path):
    with FakeOpenAI(chat=_play_the_caller) as fake:
        env = {"OPENAI_BASE_URL": fake.base_url, "OPENAI_API_KEY": "sk-test-not-logged"}
        run, [session] = _run(
            str(FIXTURES / "scenarios" / "llm_caller.yaml"), "--out", str(tmp_path), env=env
        )
        requests = fake.chat_requests()
    assert run["passed"] is True
    assert [turn["text"] for turn in _caller_turns(session)] == LLM_LINES
    state = _state(session)
    assert state["goal_achieved"] is True and state["ended_by"] == "caller"
    assert state["reason"] == "got it" and state["lines_said"] == len(LLM_LINES)
    first = requests[0]
    assert first["model"] == "fake-caller-model"
    assert "Find out when order 42791 arrives." in first["messages"][0]["content"]
    assert any(tool["function"]["name"] == "end_call" for tool in first.get("tools", []))
    # what the agent said reached the model as the caller heard it (speech to text)
    heard = [m["content"] for r in requests for m in r["messages"] if m["role"] == "user"]
    assert any(
        "hear" in str(content).lower() or "desk" in str(content).lower() for content in heard
    )
    for path in session.rglob("*"):
        if path.is_file() and path.suffix in {".json", ".jsonl", ".log"}:
            assert "sk-test-not-logged" not in path.read_text(errors="replace")


def test_llm_caller_without_a_model_is_a_clear_config_error(crosstalk, tmp_path):
    result = crosstalk(
        "run", str(FIXTURES / "scenarios" / "llm_caller.yaml"), "--out", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr


def _channel(session: Path, channel: int) -> tuple[np.ndarray, int]:
    with wave.open(str(session / "call.wav"), "rb") as recording:
        rate = recording.getframerate()
        samples = np.frombuffer(recording.readframes(recording.getnframes()), dtype=np.int16)
    return samples.reshape(-1, 2)[:, channel], rate


def _caller_utterances(session: Path) -> list[bytes]:
    samples, rate = _channel(session, 0)
    return [
        samples[round(turn["start_s"] * rate) : round(turn["end_s"] * rate)].tobytes()
        for turn in _caller_turns(session)
    ]


@pytest.fixture(scope="module")
def scripted_twice(tmp_path_factory) -> list[Path]:
    scenario = str(FIXTURES / "scenarios" / "byo_agent.yaml")
    _, sessions = _run(scenario, scenario, "--out", str(tmp_path_factory.mktemp("twice")))
    return sessions


@pytest.mark.slow
@pytest.mark.e2e
def test_same_scripted_scenario_and_seed_gives_byte_identical_caller_speech(scripted_twice):
    first, second = (_caller_utterances(session) for session in scripted_twice)
    assert len(first) == len(second) == 3
    assert all(len(chunk) > 16_000 for chunk in first)
    assert first == second


@pytest.mark.slow
@pytest.mark.e2e
def test_replay_caller_plays_a_recorded_call_with_its_turn_timings(scripted_twice, tmp_path):
    source = scripted_twice[0]
    scenario = tmp_path / "replay.yaml"
    scenario.write_text(
        "name: replay\n"
        f"persona: {FIXTURES / 'personas' / 'short_caller.yaml'}\n"
        "agent: {factory: 'tests.fixtures.tiny_agent:create_agent'}\n"
        f"caller: {{brain: replay, replay: {{source: '{source}'}}}}\n"
        "max_duration_s: 60\n"
        "success: {checks: [{must_say: {pattern: 'I heard'}}]}\n"  # the tiny agent's echo
    )
    run, [replayed] = _run(str(scenario), "--out", str(tmp_path / "out"))
    assert run["passed"] is True
    original, again = _caller_turns(source), _caller_turns(replayed)
    assert [t["text"] for t in again] == [t["text"] for t in original]
    for before, now in zip(original, again, strict=True):
        assert now["end_s"] - now["start_s"] == pytest.approx(
            before["end_s"] - before["start_s"], abs=0.06
        )
    assert _state(replayed)["ended_by"] == "caller"
