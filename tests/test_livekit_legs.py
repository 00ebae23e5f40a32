"""On a LiveKit target the caller is recorded at the caller, after its own sent-side impairments:
the delay they add (a jitter buffer, added latency on `caller_to_agent`) is the caller->agent leg
the probes add back, to responses and to interruption stop and recovery alike."""

from __future__ import annotations

import numpy as np
import pytest
from crosstalk_harness.config.models import LiveKitTarget
from crosstalk_harness.probes import Legs, analyze_recording, measure, write_session_probes
from crosstalk_harness.rundir.files import write_json
from crosstalk_harness.rundir.layout import SessionPaths
from crosstalk_harness.testing.synthetic_calls import speech_like
from crosstalk_harness.transport.jitter import JitterBuffer
from crosstalk_harness.transport.livekit_room.credentials import LiveKitCredentials
from crosstalk_harness.transport.livekit_room.transport import LiveKitTransport
from crosstalk_harness.transport.recorder import StereoRecorder
from livekit import rtc

RATE = 16_000
FRAME = RATE // 50
LEG_MS = 240


def _transport(*impairments: JitterBuffer) -> LiveKitTransport:
    return LiveKitTransport(
        LiveKitCredentials("ws://127.0.0.1:1", "key", "secret-0123456789"),
        LiveKitTarget(kind="livekit", agent_name="agent"),
        session_id="01-legs",
        sample_rate=RATE,
        impairments={"caller": list(impairments)} if impairments else None,
    )


def _pcm(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1, 1) * 32767).astype(np.int16).tobytes()


async def _call_through_the_line(transport: LiveKitTransport, session_dir) -> None:
    """The caller speaks ticks 10-59 as spoken; the agent is heard 700 ms after (ticks 95-134)."""
    rng = np.random.default_rng(5)
    line = transport.line
    caller = np.concatenate([np.zeros(10 * FRAME, np.float32), speech_like(1.0, RATE, rng)])
    await line.output.capture_frame(rtc.AudioFrame(_pcm(caller), RATE, 1, caller.size))
    line.output.flush()
    agent = _pcm(speech_like(0.8, RATE, rng))
    recorder = StereoRecorder(SessionPaths(session_dir).recording, RATE)
    for tick in range(200):
        if 95 <= tick < 135:
            start = (tick - 95) * FRAME * 2
            line.accept(agent[start : start + FRAME * 2])
        line.tick(recorder)
    recorder.close()


def test_the_livekit_transport_gives_its_sent_side_delay_as_the_caller_to_agent_leg():
    jitter = JitterBuffer(std_ms=0, buffer_ms=40, extra_latency_ms=200)
    assert _transport(jitter).describe()["legs_ms"] == {
        "caller_to_agent": LEG_MS,
        "agent_to_caller": None,
    }
    assert _transport().describe()["legs_ms"] == {"caller_to_agent": 0, "agent_to_caller": None}


@pytest.mark.parametrize("impaired", [False, True])
async def test_a_delayed_caller_leg_on_a_livekit_line_counts_in_response_latency(
    tmp_path, impaired
):
    """The caller waits 700 ms (end of its speech as spoken -> the agent heard): measured so
    from the session directory, whatever delay the caller's sent side adds to channel 0."""
    delayed = (JitterBuffer(std_ms=0, buffer_ms=0, extra_latency_ms=LEG_MS),) if impaired else ()
    transport = _transport(*delayed)
    await _call_through_the_line(transport, tmp_path)
    write_json(
        SessionPaths(tmp_path).session, {"status": "completed", "transport": transport.describe()}
    )

    probes = write_session_probes(tmp_path)

    [response] = probes["responses"]
    assert response["latency_ms"] == pytest.approx(700, abs=20)
    assert response["caller_to_agent_ms"] == (LEG_MS if impaired else 0)
    assert response["turnaround_ms"] is None  # the network's legs are not known apart
    raw = analyze_recording(SessionPaths(tmp_path).recording)  # no leg: the old figure
    assert raw.responses[0].latency_ms == pytest.approx(700 - (LEG_MS if impaired else 0), abs=20)


def test_interruption_stop_and_recovery_add_the_caller_to_agent_leg():
    """On the recording the caller starts its barge-in at 2.24 s (as the agent heard it, 240 ms
    after it spoke) and the agent stops at 2.5 s: the caller waited 500 ms for it to stop, and
    500 ms from the end of its speech (3.0 s as spoken) to the agent's next words."""
    caller = [(2.24, 3.24)]
    agent = [(0.5, 2.5), (3.5, 5.0)]
    plain = measure(caller, agent, 6.0)
    legged = measure(caller, agent, 6.0, legs=Legs(caller_to_agent_ms=LEG_MS))

    [before], [after] = plain.interruptions, legged.interruptions
    assert (before.stop_latency_ms, before.recovery_ms) == (260.0, 260.0)
    assert (after.stop_latency_ms, after.recovery_ms) == (500.0, 500.0)
    assert after.missed is before.missed is False
    assert legged.summary["interruption_stop_latency"]["p95_ms"] == 500.0
    assert legged.summary["interruption_recovery"]["p95_ms"] == 500.0
