"""The in-process link in real time: injected latency shows up in the recording, exactly.

These run the real pump on the real clock, but assert on sample positions, which pacing
jitter cannot move (a late tick is caught up frame by frame), so they do not flake when slow.
"""

from __future__ import annotations

import asyncio
import time
import wave
from pathlib import Path

import numpy as np
import pytest
from crosstalk_harness.transport import FRAME_S, InProcessTransport, LinkOptions
from livekit import rtc

pytestmark = pytest.mark.e2e  # real clock: in the one real-time lane (conftest.py)

RATE = 16_000


def _speech_after(silence_s: float, tone_s: float = 0.2) -> rtc.AudioFrame:
    silence = np.zeros(int(silence_s * RATE), dtype=np.int16)
    t = np.arange(int(tone_s * RATE)) / RATE
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    samples = np.concatenate([silence, tone])
    return rtc.AudioFrame(samples.tobytes(), RATE, 1, samples.size)


def _read_stereo(path: Path) -> tuple[int, np.ndarray]:
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 2 and wav.getsampwidth() == 2
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).reshape(-1, 2)
        return wav.getframerate(), data


def _onset_s(channel: np.ndarray) -> float:
    return int(np.flatnonzero(np.abs(channel) > 100)[0]) / RATE


async def _drain(link_input, sink: list[bytes]) -> None:
    async for frame in link_input:
        sink.append(bytes(frame.data))


@pytest.mark.parametrize("latency_ms", [0, 100, 260])
async def test_injected_one_way_latency_appears_in_the_recording(tmp_path, latency_ms):
    link = InProcessTransport(LinkOptions(sample_rate=RATE, one_way_latency_ms=latency_ms))
    caller, agent = link.end_for("caller"), link.end_for("agent")
    await caller.audio_output.capture_frame(_speech_after(0.2))
    caller.audio_output.flush()
    await agent.audio_output.capture_frame(_speech_after(0.4))
    agent.audio_output.flush()
    heard_by_agent: list[bytes] = []
    heard_by_caller: list[bytes] = []
    drains = [
        asyncio.create_task(_drain(agent.audio_input, heard_by_agent)),
        asyncio.create_task(_drain(caller.audio_input, heard_by_caller)),
    ]
    await link.start(tmp_path / "call.wav")
    await asyncio.sleep(1.0)
    await link.stop()
    await asyncio.gather(*drains)

    rate, stereo = _read_stereo(tmp_path / "call.wav")
    assert rate == RATE
    latency_s = latency_ms / 1000
    assert _onset_s(stereo[:, 0]) == pytest.approx(0.2 + latency_s, abs=FRAME_S)
    assert _onset_s(stereo[:, 1]) == pytest.approx(0.4 + latency_s, abs=FRAME_S)
    # what each side's AudioInput received is exactly what the recording holds
    assert b"".join(heard_by_agent) == stereo[:, 0].tobytes()
    assert b"".join(heard_by_caller) == stereo[:, 1].tobytes()


async def test_recording_lasts_as_long_as_the_session_within_one_frame(tmp_path):
    link = InProcessTransport(LinkOptions(sample_rate=24_000))
    await link.start(tmp_path / "call.wav")
    started = time.monotonic()
    await asyncio.sleep(0.7)
    await link.stop()
    elapsed = time.monotonic() - started
    with wave.open(str(tmp_path / "call.wav")) as wav:
        duration = wav.getnframes() / wav.getframerate()
        assert wav.getframerate() == 24_000
    assert duration == pytest.approx(link.duration_s)
    assert duration == pytest.approx(elapsed, abs=FRAME_S)


async def test_playback_finishes_only_after_the_listener_heard_the_last_frame(tmp_path):
    link = InProcessTransport(LinkOptions(sample_rate=RATE, one_way_latency_ms=200))
    caller = link.end_for("caller")
    await caller.audio_output.capture_frame(_speech_after(0.0, tone_s=0.1))
    caller.audio_output.flush()
    await link.start(tmp_path / "call.wav")
    event = await asyncio.wait_for(caller.audio_output.wait_for_playout(), timeout=5)
    heard_at = link.clock.now()
    await link.stop()
    assert not event.interrupted
    assert event.playback_position == pytest.approx(0.1)
    assert heard_at >= 0.1 + 0.2
    [span] = link.played_spans("caller")
    assert (span.start_s, span.end_s) == pytest.approx((0.2, 0.3))


async def test_impairments_change_only_their_direction_of_the_line(tmp_path):
    from crosstalk_harness.transport.impairments import AdditiveNoise, TelephoneBand

    link = InProcessTransport(
        LinkOptions(sample_rate=RATE),
        {"caller": [AdditiveNoise("white", snr_db=20, seed=1), TelephoneBand(RATE)]},
    )
    caller = link.end_for("caller")
    await caller.audio_output.capture_frame(_speech_after(0.1, tone_s=0.3))
    caller.audio_output.flush()
    await link.start(tmp_path / "call.wav")
    await asyncio.sleep(0.6)
    await link.stop()
    _, stereo = _read_stereo(tmp_path / "call.wav")
    assert np.abs(stereo[:, 1]).max() == 0  # the agent's direction is untouched
    leading_silence = stereo[: int(0.09 * RATE), 0].astype(float)
    assert np.sqrt(np.mean(leading_silence**2)) > 10  # noise is heard even before speech


async def test_a_jitter_buffer_delays_what_is_heard_and_the_played_spans_alike(tmp_path):
    from crosstalk_harness.transport.jitter import JitterBuffer

    jitter = JitterBuffer(std_ms=0, buffer_ms=20, extra_latency_ms=80, seed=1)
    link = InProcessTransport(LinkOptions(sample_rate=RATE), {"caller": [jitter]})
    caller = link.end_for("caller")
    await caller.audio_output.capture_frame(_speech_after(0.2, tone_s=0.1))
    caller.audio_output.flush()
    await link.start(tmp_path / "call.wav")
    await asyncio.wait_for(caller.audio_output.wait_for_playout(), timeout=5)
    await link.stop()
    _, stereo = _read_stereo(tmp_path / "call.wav")
    assert _onset_s(stereo[:, 0]) == pytest.approx(0.2 + 0.1, abs=FRAME_S)
    [span] = link.played_spans("caller")
    assert (span.start_s, span.end_s) == pytest.approx((0.1, 0.4))  # 0.3 s of audio, 0.1 s late


async def test_a_noisy_link_also_records_the_call_without_its_noise_for_the_probes(tmp_path):
    from crosstalk_harness.transport.impairments import AdditiveNoise, TelephoneBand

    def chain(noise: bool) -> list:
        parts = [AdditiveNoise("pink", snr_db=10, seed=1)] if noise else []
        return [*parts, TelephoneBand(RATE)]

    link = InProcessTransport(
        LinkOptions(sample_rate=RATE),
        {"caller": chain(noise=True)},
        dry_impairments={"caller": chain(noise=False)},
    )
    caller = link.end_for("caller")
    await caller.audio_output.capture_frame(_speech_after(0.2, tone_s=0.3))
    caller.audio_output.flush()
    await link.start(tmp_path / "call.wav")
    await asyncio.sleep(0.8)
    await link.stop()
    _, noisy = _read_stereo(tmp_path / "call.wav")
    _, dry = _read_stereo(tmp_path / "call_dry.wav")
    assert noisy.shape == dry.shape  # one timeline
    before_speech = slice(0, int(0.19 * RATE))
    assert np.abs(noisy[before_speech, 0]).max() > 50  # the noise is heard on the call
    assert np.abs(dry[before_speech, 0]).max() < 20  # and absent from the probes' copy
    assert _onset_s(dry[:, 0]) == pytest.approx(0.2, abs=0.02)  # (the band filter adds ~12 ms)


async def test_an_impaired_link_records_what_each_side_sent_on_the_heard_timeline(tmp_path):
    from crosstalk_harness.transport.impairments import AdditiveNoise, TelephoneBand
    from crosstalk_harness.transport.jitter import JitterBuffer

    jitter = JitterBuffer(std_ms=0, buffer_ms=20, extra_latency_ms=80, seed=1)
    impaired = [AdditiveNoise("pink", snr_db=10, seed=1), TelephoneBand(RATE), jitter]
    link = InProcessTransport(LinkOptions(sample_rate=RATE), {"agent": impaired})
    agent = link.end_for("agent")
    sent = _speech_after(0.2, tone_s=0.3)
    await agent.audio_output.capture_frame(sent)
    agent.audio_output.flush()
    await link.start(tmp_path / "call.wav")
    await asyncio.wait_for(agent.audio_output.wait_for_playout(), timeout=5)
    await link.stop()
    _, heard = _read_stereo(tmp_path / "call.wav")
    _, clean = _read_stereo(tmp_path / "call_sent.wav")
    assert heard.shape == clean.shape  # one timeline
    onset = _onset_s(clean[:, 1])
    assert onset == pytest.approx(0.2 + 0.1, abs=FRAME_S)  # as late as the caller heard it
    tone = np.frombuffer(bytes(sent.data), dtype=np.int16)[int(0.2 * RATE) :]
    start = int(round(0.3 * RATE))  # the sent audio, delayed whole frames (0.1 s), unchanged
    assert np.array_equal(clean[start : start + tone.size, 1], tone)  # sample for sample
    assert np.abs(clean[: int(0.29 * RATE), 1]).max() == 0  # no noise, no band


async def test_an_unimpaired_link_records_no_second_copy(tmp_path):
    link = InProcessTransport(LinkOptions(sample_rate=RATE))
    await link.start(tmp_path / "call.wav")
    await asyncio.sleep(0.1)
    await link.stop()
    assert not (tmp_path / "call_sent.wav").exists()
