"""Live loopback: an agent that answers a fixed delay after the caller stops, through the real
in-process link, is measured by the probes at exactly that delay plus both legs of the link (the
caller's words must reach the agent, and its answer must come back), so the harness adds no
hidden latency of its own and hides none of the network's."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from crosstalk_harness.probes import Legs, analyze_recording
from crosstalk_harness.testing.synthetic_calls import speech_like
from crosstalk_harness.transport import InProcessTransport, LinkOptions
from crosstalk_harness.transport.jitter import JitterBuffer
from livekit import rtc

pytestmark = pytest.mark.e2e  # real clock: in the one real-time lane (conftest.py)

RATE = 16_000
ANSWER_DELAY_S = 0.7


def _frame(samples: np.ndarray) -> rtc.AudioFrame:
    pcm = (np.clip(samples, -1, 1) * 32767).astype(np.int16)
    return rtc.AudioFrame(pcm.tobytes(), RATE, 1, pcm.size)


async def _delayed_responder(link: InProcessTransport, replies: list[np.ndarray]) -> None:
    """Hears the caller frame by frame; answers ANSWER_DELAY_S after the caller's last sample."""
    ends = link.end_for("agent")
    heard_samples, last_loud, answered_up_to = 0, None, -1
    async for frame in ends.audio_input:
        samples = np.frombuffer(frame.data, np.int16)
        loud = np.flatnonzero(samples)
        if loud.size:
            last_loud = heard_samples + int(loud[-1])
        heard_samples += samples.size
        quiet_for = heard_samples - 1 - (last_loud if last_loud is not None else heard_samples)
        if (
            last_loud is not None and last_loud > answered_up_to and quiet_for >= 3 * RATE // 10
        ):  # longer than a word gap
            answered_up_to = last_loud
            target = last_loud + 1 + round(ANSWER_DELAY_S * RATE)
            plays_from = link.ticks * RATE // 50  # the next frame the link will take
            reply = np.concatenate([np.zeros(target - plays_from, np.float32), replies.pop(0)])
            await ends.audio_output.capture_frame(_frame(reply))
            ends.audio_output.flush()


async def _measured_latencies(tmp_path, link: InProcessTransport) -> list[float]:
    rng = np.random.default_rng(3)
    tmp_path.mkdir(parents=True, exist_ok=True)
    caller = link.end_for("caller").audio_output
    gap = np.zeros(int(3.0 * RATE), np.float32)
    script = [
        np.zeros(RATE // 2, np.float32),
        speech_like(1.2, RATE, rng),
        gap,
        speech_like(1.0, RATE, rng),
    ]
    await caller.capture_frame(_frame(np.concatenate(script)))
    caller.flush()
    replies = [speech_like(1.0, RATE, rng), speech_like(0.8, RATE, rng)]
    responder = asyncio.create_task(_delayed_responder(link, replies))
    await link.start(tmp_path / "call.wav")
    await asyncio.sleep(8.0)
    await link.stop()
    await responder

    legs = Legs.from_json(link.describe()["legs_ms"])
    timing = analyze_recording(tmp_path / "call.wav", legs=legs)
    return [r.latency_ms for r in timing.responses]


@pytest.mark.parametrize("one_way_latency_ms", [0, 100])
async def test_delayed_answers_are_measured_at_their_delay_plus_both_legs(
    tmp_path, one_way_latency_ms
):
    link = InProcessTransport(LinkOptions(sample_rate=RATE, one_way_latency_ms=one_way_latency_ms))
    measured = await _measured_latencies(tmp_path, link)
    expected_ms = ANSWER_DELAY_S * 1000 + 2 * one_way_latency_ms
    print("measured", measured, "expected", expected_ms)
    assert measured == pytest.approx([expected_ms] * 2, abs=20)


async def test_latency_on_the_caller_to_agent_leg_alone_adds_to_the_response_latency(tmp_path):
    """The caller->agent leg is invisible in the recording's caller channel (it is the caller as
    the agent heard it); the probes add it back, so the caller waits for all of it."""
    baseline = await _measured_latencies(
        tmp_path / "clean", InProcessTransport(LinkOptions(sample_rate=RATE))
    )
    delayed_leg = JitterBuffer(std_ms=0, buffer_ms=0, extra_latency_ms=240)
    link = InProcessTransport(LinkOptions(sample_rate=RATE), impairments={"caller": [delayed_leg]})
    assert link.describe()["legs_ms"] == {"caller_to_agent": 240, "agent_to_caller": 0}
    measured = await _measured_latencies(tmp_path / "delayed", link)
    print("clean", baseline, "caller->agent +240 ms", measured)
    assert [m - b for m, b in zip(measured, baseline, strict=True)] == pytest.approx(
        [240, 240], abs=20
    )
