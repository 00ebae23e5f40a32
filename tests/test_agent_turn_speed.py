"""Where the reference agent's reply time went, pinned down: endpointing, transcription, the hold.

The figures are measured by benchmarks/agent_latency.py; these tests check the pipeline that
makes them: turn detection on a short VAD silence with a fixed endpointing delay (not the
end-of-turn model that waits up to 2.5 s), Whisper's window sized to the utterance, and no
guardrail hold where the text is checked before it is synthesised (the guardrail still blocks).
"""

from __future__ import annotations

import asyncio

import numpy as np
from crosstalk_agent import create_agent
from crosstalk_agent.guardrails import ReplyGate
from crosstalk_harness.backends import Voice
from crosstalk_harness.backends.offline import OfflineBackend, piper, whisper
from crosstalk_harness.config.models import AgentConfig
from crosstalk_harness.runner.caller_voice import caller_stt
from livekit import rtc


def test_the_offline_agent_ends_turns_on_a_short_silence_with_fixed_endpointing():
    turn = {"silence_s": 0.25, "min_delay_s": 0.2}
    agent = create_agent("offline", responder={"turn": turn})
    assert agent.turn_detection == "vad"
    assert agent.min_endpointing_delay == 0.2
    assert agent.vad is not None and agent.vad._opts.min_silence_duration == 0.25


def test_a_realtime_agent_keeps_the_models_own_turn_detection():
    agent = create_agent("openai")
    assert agent.vad is None or not agent.vad  # NOT_GIVEN: the session's
    assert not isinstance(agent.turn_detection, str)


def test_whisper_reads_a_window_sized_to_the_utterance():
    def seconds(duration_s: float) -> int:
        return whisper.window_s(np.zeros(round(duration_s * whisper.WHISPER_SAMPLE_RATE)))

    assert seconds(0.5) == whisper.MIN_WINDOW_S
    assert seconds(6.2) == 9
    assert seconds(45) == whisper.MAX_WINDOW_S


def _spoken(text: str) -> np.ndarray:
    async def speak() -> bytes:
        tts = piper.build_tts(AgentConfig().voice, sample_rate=whisper.WHISPER_SAMPLE_RATE)
        async with tts.synthesize(text) as stream:
            return b"".join([bytes(audio.frame.data) async for audio in stream])

    return np.frombuffer(asyncio.run(speak()), dtype=np.int16).astype(np.float32) / 32768.0


def test_the_callers_whisper_encodes_only_the_utterances_window_and_the_agents_all_30_s(
    monkeypatch,
):
    """faster-whisper pads every input to 30 s before the encoder; the caller's hearing has the
    encoder read the window (a third of the CPU), the words still coming through; the agent
    under test's speech-to-text keeps the full window (what it hears is its own behaviour)."""
    model = whisper.shared_model()
    encoded: list[int] = []
    encode = model.encode

    def spy(features):
        output = encode(features)
        encoded.append(output.shape[1])  # the encoder's output frames (one per 20 ms)
        return output

    monkeypatch.setattr(model, "encode", spy)
    samples = _spoken("Order 42791 shipped yesterday and should arrive on Friday.")
    text = whisper.transcribe(samples, utterance_window=True)
    assert encoded == [whisper.window_s(samples) * 50] and encoded[0] < 1500
    assert "42791" in text and "friday" in text.lower()
    assert whisper.transcribe(samples) and encoded[1:] == [1500]


def test_the_caller_hears_with_the_utterance_window_and_the_agent_with_the_full_one():
    agent_stt = OfflineBackend().session_kwargs(Voice())["stt"]
    assert agent_stt.utterance_window is False
    assert caller_stt(agent_stt).utterance_window is True


async def _through_pipeline_gate(text: str) -> tuple[int, list, list]:
    agent = create_agent("offline")
    violations, holds = [], []
    gate = ReplyGate(
        agent.runtime.guardrails,
        on_violation=lambda v, released: violations.append(v),
        on_hold=holds.append,
        buffer_s=0.0,
    )

    async def frames():
        gate.add_text(text)
        gate.end_text()
        for _ in range(5):
            yield rtc.AudioFrame(b"\x01\x00" * 320, 16_000, 1, 320)

    released = [frame async for frame in gate.hold(frames())]
    return len(released), violations, holds


async def test_the_pipeline_holds_no_audio_but_still_blocks_a_violation():
    released, violations, holds = await _through_pipeline_gate("Your order shipped yesterday.")
    assert released == 5 and violations == [] and holds[0]["buffer_ms"] == 0
    released, violations, _ = await _through_pipeline_gate("It is going to 8 Elm Road.")
    assert released == 0 and violations[0].rule == "other_customer_data"


def test_the_responders_tts_gate_is_the_no_hold_one():
    agent = create_agent("offline")
    assert agent._new_gate(text_leads=True)._buffer_s == 0.0
    assert agent._new_gate()._buffer_s == agent.runtime.guardrails.buffer_s > 0
