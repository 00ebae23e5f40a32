"""The caller's energy VAD gives livekit the events Silero would: speech after 50 ms, 0.5 s of
audio before it kept, the utterance over after 0.55 s without speech, pauses bridged, line noise
ignored. Driven with synthetic 20 ms frames through the real `livekit.agents.vad` stream."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import numpy as np
from crosstalk_harness.backends import get_backend
from crosstalk_harness.backends.voices import Voice
from crosstalk_harness.callers.energy_vad import EnergyVAD
from crosstalk_harness.runner.session import SessionRun
from livekit import rtc
from livekit.agents import stt as lk_stt
from livekit.agents.vad import VADEvent, VADEventType
from livekit.plugins import silero

RATE = 16_000
FRAME = 320  # 20 ms
START, END = VADEventType.START_OF_SPEECH, VADEventType.END_OF_SPEECH


def _frames(seconds: float, level: float, rng: np.random.Generator, tone: bool) -> list:
    count = round(seconds / 0.02)
    frames = []
    for index in range(count):
        t = (np.arange(FRAME) + index * FRAME) / RATE
        wave = np.sin(2 * np.pi * 220 * t) if tone else rng.standard_normal(FRAME)
        samples = np.clip(level * wave * 32767, -32768, 32767).astype(np.int16)
        frames.append(rtc.AudioFrame(samples.tobytes(), RATE, 1, FRAME))
    return frames


def _line(*parts: tuple[float, float], noise: float = 0.0) -> list[rtc.AudioFrame]:
    """(seconds, speech level) parts, each over the line's noise (0: a digitally silent line)."""
    rng = np.random.default_rng(3)
    frames = []
    for seconds, level in parts:
        speech = _frames(seconds, level, rng, tone=True)
        hiss = _frames(seconds, noise, rng, tone=False)
        for a, b in zip(speech, hiss, strict=True):
            mixed = np.frombuffer(a.data, np.int16).astype(np.int32) + np.frombuffer(
                b.data, np.int16
            )
            frames.append(
                rtc.AudioFrame(mixed.clip(-32768, 32767).astype(np.int16).tobytes(), RATE, 1, FRAME)
            )
    return frames


def _events(frames: list[rtc.AudioFrame], flush_after: int | None = None) -> list[VADEvent]:
    async def run() -> list[VADEvent]:
        stream = EnergyVAD().stream()
        for index, frame in enumerate(frames):
            stream.push_frame(frame)
            if index == flush_after:
                stream.flush()
        stream.end_input()
        events = [event async for event in stream]
        await stream.aclose()
        return events

    return asyncio.run(run())


def _edges(events: list[VADEvent]) -> list[tuple[VADEventType, float, float]]:
    return [
        (e.type, round(e.timestamp, 2), round(e.frames[0].samples_per_channel / RATE, 2))
        for e in events
        if e.type in (START, END)
    ]


def test_an_utterance_starts_after_50_ms_and_ends_after_550_ms_of_silence_with_its_padding():
    events = _events(_line((1.0, 0.0), (2.0, 0.3), (1.0, 0.0)))
    # start: the third speech frame; its audio is the 0.5 s before the start, onset included
    # end: 0.56 s into the silence; its audio is the padding, the speech and that silence
    assert _edges(events) == [(START, 1.06, 0.5), (END, 3.56, 3.0)]
    end = next(e for e in events if e.type == END)
    assert (round(end.speech_duration, 2), round(end.silence_duration, 2)) == (2.0, 0.56)
    assert sum(e.type == VADEventType.INFERENCE_DONE for e in events) == 200  # one per frame


def test_a_pause_shorter_than_the_silence_threshold_stays_inside_the_utterance():
    events = _events(_line((0.5, 0.0), (1.0, 0.3), (0.4, 0.0), (1.0, 0.3), (1.0, 0.0)))
    assert [kind for kind, *_ in _edges(events)] == [START, END]


def test_steady_line_noise_is_not_speech_but_speech_over_it_is():
    quiet = _events(_line((3.0, 0.0), noise=0.03))
    assert _edges(quiet) == []
    noisy = _line((2.0, 0.0), (1.5, 0.3), (1.0, 0.0), noise=0.03)
    assert [kind for kind, *_ in _edges(_events(noisy))] == [START, END]


def test_a_flush_drops_the_utterance_in_progress():
    frames = _line((0.5, 0.0), (1.0, 0.3), (1.0, 0.0))
    assert [kind for kind, *_ in _edges(_events(frames, flush_after=40))] == [START]


def test_livekit_stream_adapter_transcribes_each_utterance_cut_by_the_energy_vad():
    """The caller's speech-to-text is livekit's StreamAdapter over this VAD: one recognition
    per utterance, with the utterance's audio."""
    heard: list[float] = []

    class Measuring(lk_stt.STT):
        def __init__(self) -> None:
            super().__init__(
                capabilities=lk_stt.STTCapabilities(streaming=False, interim_results=False)
            )

        async def _recognize_impl(self, buffer, *, language=None, conn_options=None):
            frame = rtc.combine_audio_frames(buffer)
            heard.append(round(frame.samples_per_channel / RATE, 2))
            alternative = lk_stt.SpeechData(language="en", text=f"utterance {len(heard)}")
            return lk_stt.SpeechEvent(
                type=lk_stt.SpeechEventType.FINAL_TRANSCRIPT, alternatives=[alternative]
            )

    async def run() -> list[str]:
        stream = lk_stt.StreamAdapter(stt=Measuring(), vad=EnergyVAD()).stream()
        for frame in _line((0.5, 0.0), (1.0, 0.3), (1.0, 0.0), (0.6, 0.3), (1.0, 0.0)):
            stream.push_frame(frame)
        stream.end_input()
        texts = [
            e.alternatives[0].text
            async for e in stream
            if e.type == lk_stt.SpeechEventType.FINAL_TRANSCRIPT
        ]
        await stream.aclose()
        return texts

    assert asyncio.run(run()) == ["utterance 1", "utterance 2"]
    # each: 0.5 s before the start, the rest of the speech, the 0.56 s of silence that ended it
    assert heard == [2.0, 1.6]


def test_the_runner_gives_the_caller_the_energy_vad_and_leaves_the_agents_vad_alone():
    """The sides as the runner builds them: the caller's VAD is ours, the agent's its backend's."""
    backend = get_backend("offline")
    run = SimpleNamespace(transport=SimpleNamespace(sample_rate=RATE))
    sides = {
        role: asyncio.run(SessionRun._session_kwargs(run, role, backend, Voice()))  # type: ignore[arg-type]
        for role in ("caller", "agent")
    }
    assert isinstance(sides["caller"]["vad"], EnergyVAD)
    assert isinstance(sides["agent"]["vad"], silero.VAD)
