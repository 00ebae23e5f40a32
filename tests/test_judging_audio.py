"""An audio rubric through the real `openai` SDK against the local fake server: the server decodes
the turns it is sent and checks them against the recording; evidence times are verified; a
malformed answer is an `error`; answers are cached by a hash of the audio."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.judging.audio_input import PAD_S
from crosstalk_harness.judging.judge import judge_session
from crosstalk_harness.judging.rubrics import load_rubric
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.judging.spec import SuccessConfig
from crosstalk_harness.judging.verdicts import Judgement
from crosstalk_harness.rundir.layout import SessionPaths
from crosstalk_harness.testing.fake_openai import ChatReply, FakeOpenAI, heard_audio
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

TONE = SuccessConfig(rubrics=["tone_and_delivery"])
AGENT_HZ, CALLER_HZ = 330.0, 220.0  # run_dirs' bursts: caller left at 220 Hz, agent right at 330
BURST_RMS = 8000 / 32768 / np.sqrt(2)  # their level


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2)))


def session_dir(tmp_path: Path, **spec: Any) -> Path:
    run = write_run(tmp_path / "reports", [FakeSession(**spec)])
    return next(path for path in run.iterdir() if path.is_dir())


def turns_of(directory: Path) -> list[dict[str, Any]]:
    return json.loads(SessionPaths(directory).transcript.read_text())["turns"]


def settings(fake: FakeOpenAI, tmp_path: Path) -> JudgeSettings:
    return JudgeSettings(
        model="gpt-4o-audio-preview",
        base_url=fake.base_url,
        api_key="sk-test",
        timeout_s=5.0,
        max_retries=0,
        cache_dir=tmp_path / "cache",
    )


def judge(directory: Path, fake: FakeOpenAI, tmp_path: Path, success=TONE) -> Judgement:
    return asyncio.run(judge_session(directory, success, settings(fake, tmp_path)))


def answer(turn: int, quote: str, at_s: float) -> str:
    evidence = [{"turn": turn, "quote": quote, "at_s": at_s}]
    criteria = {
        name: {"rationale": f"{name} heard", "evidence": evidence, "score": score}
        for name, score in (
            ("expressive", "pass"),
            ("well_paced", "pass"),
            ("steady_level", "pass"),
        )
    }
    return json.dumps({"criteria": criteria})


class CheckingServer:
    """Answers only when the audio it hears is the cited turns, cut from the speaker's channel."""

    def __init__(self, turns: list[dict[str, Any]], sides: tuple[str, ...], reply: str) -> None:
        self.expected = [(n, t) for n, t in enumerate(turns, start=1) if t["speaker"] in sides]
        self.reply = reply
        self.problems: list[str] = []

    def __call__(self, body: dict[str, Any]) -> ChatReply:
        heard = heard_audio(body)
        if len(heard) != len(self.expected):
            self.problems.append(f"heard {len(heard)} clips, expected {len(self.expected)}")
        for clip, (number, turn) in zip(heard, self.expected, strict=False):
            span = turn["end_s"] - turn["start_s"] + 2 * PAD_S
            hz = AGENT_HZ if turn["speaker"] == "agent" else CALLER_HZ
            if not clip.label.startswith(f"Turn {number} | {turn['speaker']} |"):
                self.problems.append(f"clip labelled {clip.label!r} for turn {number}")
            if abs(clip.duration_s - span) > 0.01:
                self.problems.append(f"turn {number}: {clip.duration_s:.3f} s, not {span:.3f}")
            if abs(clip.dominant_hz() - hz) > 3:
                self.problems.append(f"turn {number}: {clip.dominant_hz():.0f} Hz, not {hz:.0f}")
            pad = int((PAD_S - 0.02) * clip.rate)  # the burst fills the turn, the pads are silent
            pads = np.concatenate([clip.samples[:pad], clip.samples[-pad:]])
            burst = clip.samples[pad + 640 : -pad - 640]
            if rms(pads) > 1e-3 or abs(rms(burst) - BURST_RMS) > 0.1 * BURST_RMS:
                self.problems.append(f"turn {number}: pads {rms(pads):.3f}, turn {rms(burst):.3f}")
        if self.problems:
            return ChatReply(status=400)
        return ChatReply(self.reply, prompt_tokens=900)


def test_the_judge_hears_each_agent_turn_from_the_agent_channel_and_verifies_its_times(tmp_path):
    directory = session_dir(tmp_path)
    turns = turns_of(directory)
    inside = turns[2]["start_s"] + 0.4  # turn 3: "It shipped yesterday and arrives on Friday."
    server = CheckingServer(turns, ("agent",), answer(3, "shipped yesterday", inside))
    with FakeOpenAI(chat=server) as fake:
        judgement = judge(directory, fake, tmp_path)
        [body] = fake.chat_requests()
    assert server.problems == []
    [verdict] = judgement.verdicts
    assert (verdict.judge, verdict.status, verdict.score) == ("tone_and_delivery", "passed", 1.0)
    assert verdict.criteria[0].evidence[0].found and verdict.criteria[0].evidence[0].at_s == inside
    system, user = body["messages"]
    assert "You also hear the audio of every agent turn" in system["content"]
    assert user["content"][0]["type"] == "text"
    caller = f'Turn 2 | caller | {turns[1]["start_s"]:.2f}-{turns[1]["end_s"]:.2f} s: "Where is'
    assert caller in user["content"][0]["text"]  # the transcript, both sides, for reference
    assert [part["type"] for part in user["content"][1:]] == ["text", "input_audio"] * 3
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["$defs"]["HeardQuote"]["required"] == ["turn", "quote", "at_s"]


def test_listen_to_both_sides_sends_the_callers_turns_from_the_caller_channel(tmp_path):
    rubric = load_rubric("tone_and_delivery").model_dump()
    both = tmp_path / "judges" / "both_sides.yaml"
    both.parent.mkdir()
    both.write_text(json.dumps({**rubric, "name": "both_sides", "listen_to": ["agent", "caller"]}))
    directory = session_dir(tmp_path)
    turns = turns_of(directory)
    server = CheckingServer(
        turns, ("agent", "caller"), answer(2, "my order", turns[1]["start_s"] + 0.5)
    )
    with FakeOpenAI(chat=server) as fake:
        judgement = judge(directory, fake, tmp_path, SuccessConfig(rubrics=[str(both)]))
        [body] = fake.chat_requests()
    assert server.problems == []
    assert [clip.label.split(" |")[0] for clip in heard_audio(body)] == [
        f"Turn {n}" for n in range(1, 6)
    ]
    assert judgement.verdicts[0].status == "passed"


def test_a_time_outside_the_cited_turn_is_hallucinated_evidence(tmp_path):
    directory = session_dir(tmp_path)
    turns = turns_of(directory)
    after_the_call = turns[-1]["end_s"] + 5.0
    with FakeOpenAI(chat=lambda body: answer(3, "shipped yesterday", after_the_call)) as fake:
        judgement = judge(directory, fake, tmp_path)
    [verdict] = judgement.verdicts
    assert verdict.status == "failed"
    assert "expressive: hallucinated evidence" in verdict.reason
    assert "not in the turn it cites: turn 3 'shipped yesterday' at" in (
        verdict.criteria[0].rationale
    )
    assert not judgement.passed


@pytest.mark.parametrize(
    "content", ["not json at all", json.dumps({"criteria": {"expressive": {"score": "loud"}}})]
)
def test_a_malformed_answer_is_an_error_verdict(tmp_path, content):
    directory = session_dir(tmp_path)
    with FakeOpenAI(chat=lambda body: content) as fake:
        judgement = judge(directory, fake, tmp_path)
    [verdict] = judgement.verdicts
    assert verdict.status == "error"
    assert not judgement.passed


def test_the_answer_is_cached_and_a_changed_recording_misses_the_cache(tmp_path):
    directory = session_dir(tmp_path)
    turns = turns_of(directory)
    reply = answer(3, "shipped yesterday", turns[2]["start_s"] + 0.4)
    with FakeOpenAI(chat=lambda body: reply) as fake:
        first = judge(directory, fake, tmp_path)
        again = judge(directory, fake, tmp_path)
        assert len(fake.chat_requests()) == 1
        assert (first.usage.cached_calls, again.usage.cached_calls) == (0, 1)

        recording = SessionPaths(directory).recording
        with wave.open(str(recording), "rb") as wav:
            params, frames = wav.getparams(), wav.readframes(wav.getnframes())
        samples = np.frombuffer(frames, "<i2").reshape(-1, 2).copy()
        last = turns[-1]
        quieter = slice(int(last["start_s"] * params.framerate), int(last["end_s"] * 16000))
        samples[quieter, 1] //= 4  # the agent's last turn, 12 dB quieter
        with wave.open(str(recording), "wb") as wav:
            wav.setparams(params)
            wav.writeframes(samples.tobytes())
        changed = judge(directory, fake, tmp_path)
        assert len(fake.chat_requests()) == 2
    assert changed.usage.cached_calls == 0 and changed.verdicts[0].status == "passed"


def test_a_session_without_a_stereo_recording_is_an_error_not_a_pass(tmp_path):
    without = session_dir(tmp_path / "a", write_wav=False)
    mono = session_dir(tmp_path / "b")
    recording = SessionPaths(mono).recording
    with wave.open(str(recording), "rb") as wav:
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    with wave.open(str(recording), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(np.frombuffer(frames, "<i2")[::2].tobytes())
    with FakeOpenAI(chat=lambda body: "unused") as fake:
        missing, one_channel = (judge(d, fake, tmp_path) for d in (without, mono))
        assert fake.chat_requests() == []
    assert missing.verdicts[0].status == "error"
    assert "needs the call's recording" in missing.verdicts[0].reason
    assert one_channel.verdicts[0].status == "error"
    assert "1 channel(s)" in one_channel.verdicts[0].reason


def test_a_text_mode_session_does_not_judge_an_audio_rubric(tmp_path):
    directory = session_dir(tmp_path, mode="text")
    with FakeOpenAI(chat=lambda body: "unused") as fake:
        judgement = judge(directory, fake, tmp_path)
        assert fake.chat_requests() == []
    [verdict] = judgement.verdicts
    assert verdict.status == "not_run" and "not measured in text mode" in verdict.reason


def test_a_rubric_asking_for_an_unknown_input_names_its_file_and_line(tmp_path):
    path = tmp_path / "judges" / "odd.yaml"
    path.parent.mkdir()
    path.write_text(
        "name: odd\ndescription: d\ninput: video\ncriteria:\n  - name: c\n    description: d\n"
    )
    with pytest.raises(ConfigError) as raised:
        load_rubric(str(path))
    assert "odd.yaml:3" in raised.value.message and "input" in raised.value.message
