"""The caller's end of a remote call, tick by tick, on synthetic audio (no network involved)."""

from __future__ import annotations

import asyncio
import wave

import numpy as np
from crosstalk_harness.config.models import DtmfStep
from crosstalk_harness.transport.livekit_room.caller_line import CallerLine
from crosstalk_harness.transport.livekit_room.dtmf import DtmfPlan
from crosstalk_harness.transport.livekit_room.media import dtmf_code
from crosstalk_harness.transport.recorder import StereoRecorder
from livekit import rtc

RATE = 16_000
FRAME = 320  # samples in 20 ms


def _tone(value: int, samples: int) -> bytes:
    return np.full(samples, value, dtype=np.int16).tobytes()


def _frame(pcm: bytes) -> rtc.AudioFrame:
    return rtc.AudioFrame(pcm, RATE, 1, len(pcm) // 2)


async def test_received_audio_is_cut_into_frames_and_recorded_on_channel_1(tmp_path):
    line = CallerLine(RATE)
    recorder = StereoRecorder(tmp_path / "call.wav", RATE)
    line.accept(_tone(1000, 480))  # 30 ms: one whole frame, 10 ms left over
    line.accept(_tone(2000, 160))  # completes the second frame
    sent = [line.tick(recorder) for _ in range(3)]
    recorder.close()

    assert all(frame == bytes(FRAME * 2) for frame in sent)  # the caller was quiet
    assert line.ticks == 3 and line.underruns == 1 and line.max_backlog == 2
    with wave.open(str(tmp_path / "call.wav")) as wav:
        assert wav.getnchannels() == 2 and wav.getnframes() == 3 * FRAME
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).reshape(-1, 2)
    heard = audio[:, 1]
    assert (heard[:FRAME] == 1000).all()
    assert (heard[FRAME : FRAME + 160] == 1000).all() and (
        heard[FRAME + 160 : 2 * FRAME] == 2000
    ).all()
    assert (heard[2 * FRAME :] == 0).all()  # the underrun is heard as silence
    assert (audio[:, 0] == 0).all()


async def test_caller_playback_is_sent_recorded_on_channel_0_and_delivered_input_is_heard(tmp_path):
    line = CallerLine(RATE)
    recorder = StereoRecorder(tmp_path / "call.wav", RATE)
    await line.output.capture_frame(_frame(_tone(700, 2 * FRAME)))
    line.output.flush()
    line.accept(_tone(-300, FRAME))
    sent = [line.tick(recorder) for _ in range(4)]
    recorder.close()

    assert sent[0] == _tone(700, FRAME) and sent[1] == _tone(700, FRAME)
    assert sent[2] == bytes(FRAME * 2)
    assert [round(s.start_s, 3) for s in line.spans] == [0.0]
    assert round(line.spans[0].end_s, 3) == 0.04 and not line.spans[0].interrupted
    first_heard = await line.input.__anext__()
    assert first_heard.data.tobytes() == _tone(-300, FRAME)
    with wave.open(str(tmp_path / "call.wav")) as wav:
        audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16).reshape(-1, 2)
    assert (audio[: 2 * FRAME, 0] == 700).all() and (audio[2 * FRAME :, 0] == 0).all()


async def test_dtmf_steps_fire_after_agent_turns_heard_and_at_their_time():
    sent: list[str] = []

    async def send(step: DtmfStep) -> None:
        sent.append(step.digits)

    plan = DtmfPlan(
        [
            DtmfStep(digits="2", after_agent_turns=2),
            DtmfStep(digits="1", after_agent_turns=1),
            DtmfStep(digits="9#", at_s=0.05),
        ],
        send,
    )
    plan.start(lambda: 0.0)
    await asyncio.sleep(0)
    assert sent == []
    heard_agent = {
        "side": "caller",
        "type": "conversation_item_added",
        "data": {"item": {"role": "user"}},
    }
    caller_said = {
        "side": "caller",
        "type": "conversation_item_added",
        "data": {"item": {"role": "assistant"}},
    }
    plan.on_event(caller_said)
    plan.on_event(
        {**heard_agent, "side": "agent"}
    )  # the agent's own session: not heard by the caller
    await asyncio.sleep(0)
    assert sent == []
    plan.on_event(heard_agent)
    await asyncio.sleep(0)
    assert sent == ["1"]
    await asyncio.sleep(0.1)
    assert sent == ["1", "9#"]
    plan.on_event(heard_agent)
    await asyncio.sleep(0)
    assert sent == ["1", "9#", "2"]
    await plan.stop()


def test_dtmf_codes_follow_rfc_4733():
    assert [dtmf_code(d) for d in "0159*#AbD"] == [0, 1, 5, 9, 10, 11, 12, 13, 15]
