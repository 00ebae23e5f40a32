"""The link's AudioOutput: frames per tick, playback events when heard, clear_buffer positions."""

from __future__ import annotations

import numpy as np
from crosstalk_harness.transport.link_io import LinkAudioOutput, PlayedSegment
from livekit import rtc

RATE = 16_000
FRAME = RATE // 50


def _frame(samples: int, value: int = 1000) -> rtc.AudioFrame:
    data = np.full(samples, value, dtype=np.int16).tobytes()
    return rtc.AudioFrame(data, RATE, 1, samples)


def _output(played: list[PlayedSegment]) -> tuple[LinkAudioOutput, list, list]:
    output = LinkAudioOutput(
        label="test", sample_rate=RATE, frame_bytes=FRAME * 2, on_segment_played=played.append
    )
    started, finished = [], []
    output.on("playback_started", started.append)
    output.on("playback_finished", finished.append)
    return output, started, finished


async def test_segment_is_played_one_padded_frame_per_tick_and_finishes_when_heard():
    played: list[PlayedSegment] = []
    output, started, finished = _output(played)
    await output.capture_frame(_frame(FRAME * 2 + 100))
    output.flush()
    latency = 3
    frames = [output.play_frame(tick, heard_at_tick=tick + latency) for tick in range(3)]
    assert [len(f) for f in frames] == [FRAME * 2] * 3
    assert frames[2][200:] == bytes(len(frames[2]) - 200)  # the tail is padded with silence
    assert len(started) == 1 and not finished
    for tick in range(3, 3 + latency):
        assert output.play_frame(tick, heard_at_tick=tick + latency) is None
    assert not finished  # the last frame (sent at tick 2) is heard at tick 5
    output.play_frame(6, heard_at_tick=9)
    assert len(finished) == 1 and not finished[0].interrupted
    assert finished[0].playback_position == (FRAME * 2 + 100) / RATE
    assert played == [PlayedSegment(start_tick=3, end_tick=6, interrupted=False)]


async def test_clear_buffer_drops_unplayed_audio_and_reports_the_position_reached():
    played: list[PlayedSegment] = []
    output, _, finished = _output(played)
    await output.capture_frame(_frame(FRAME * 10))
    output.flush()
    output.play_frame(0, heard_at_tick=0)
    output.play_frame(1, heard_at_tick=1)
    output.clear_buffer()
    assert len(finished) == 1 and finished[0].interrupted
    assert finished[0].playback_position == 2 * FRAME / RATE
    assert output.play_frame(2, heard_at_tick=2) is None
    assert played == [PlayedSegment(start_tick=0, end_tick=2, interrupted=True)]


async def test_clear_before_flush_reports_once_the_segment_is_flushed():
    output, _, finished = _output([])
    await output.capture_frame(_frame(FRAME * 4))
    output.play_frame(0, heard_at_tick=0)
    output.clear_buffer()
    assert not finished
    output.flush()
    assert len(finished) == 1 and finished[0].interrupted


async def test_paused_output_sends_silence_and_resumes_where_it_stopped():
    output, _, _ = _output([])
    await output.capture_frame(_frame(FRAME * 2, value=7))
    output.flush()
    output.pause()
    assert output.play_frame(0, heard_at_tick=0) is None
    output.resume()
    resumed = output.play_frame(1, heard_at_tick=1)
    assert resumed is not None and np.frombuffer(resumed, np.int16)[0] == 7


async def test_segments_play_back_to_back_in_order():
    output, _, finished = _output([])
    await output.capture_frame(_frame(FRAME, value=1))
    output.flush()
    await output.capture_frame(_frame(FRAME, value=2))
    output.flush()
    first = output.play_frame(0, heard_at_tick=0)
    second = output.play_frame(1, heard_at_tick=1)
    assert np.frombuffer(first, np.int16)[0] == 1 and np.frombuffer(second, np.int16)[0] == 2
    output.play_frame(2, heard_at_tick=2)
    assert len(finished) == 2
