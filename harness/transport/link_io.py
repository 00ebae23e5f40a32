"""The two ends of one direction of a link, as livekit-agents sees them.

`LinkAudioOutput` is where a side's session plays audio: frames are queued per playback segment
and taken off one 20 ms frame per clock tick by the transport, so playback runs at real time.
`LinkAudioInput` is where the other side's session listens: the transport hands it one frame per
tick (silence when nobody speaks), so VAD, endpointing and interruptions run on live audio.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from livekit import rtc
from livekit.agents.voice import io

from .base import SpeechSpan

_END_OF_STREAM = None


@dataclass
class PlaybackSegment:
    """One flushed unit of speech from a side, with when it was played (in clock ticks)."""

    pcm: bytearray = field(default_factory=bytearray)
    read_offset: int = 0
    flushed: bool = False
    interrupted: bool = False
    first_tick: int | None = None
    last_tick: int | None = None
    speech_id: str | None = None

    @property
    def exhausted(self) -> bool:
        return self.read_offset >= len(self.pcm)


@dataclass(frozen=True)
class PlayedSegment:
    """Where one segment sits in the recording: heard from `start_tick` up to `end_tick`."""

    start_tick: int
    end_tick: int
    interrupted: bool
    speech_id: str | None = None

    def span(self, frame_s: float) -> SpeechSpan:
        return SpeechSpan(
            self.start_tick * frame_s, self.end_tick * frame_s, self.interrupted, self.speech_id
        )


FrameListener = Callable[[float, rtc.AudioFrame], None]
"""Called on the loop with each delivered frame and the session time its last sample is heard."""


class LinkAudioInput(io.AudioInput):
    """An async iterator of the frames the transport delivers, as they are delivered."""

    def __init__(self, *, label: str) -> None:
        super().__init__(label=label)
        self._frames: asyncio.Queue[rtc.AudioFrame | None] = asyncio.Queue()
        self.max_backlog = 0
        self.listeners: list[FrameListener] = []

    def deliver(self, frame: rtc.AudioFrame, heard_until_s: float | None = None) -> None:
        """Queue `frame` for the session; listeners also get it, with its end on the clock."""
        self._frames.put_nowait(frame)
        self.max_backlog = max(self.max_backlog, self._frames.qsize())
        if heard_until_s is not None:
            for listener in self.listeners:
                listener(heard_until_s, frame)

    def close(self) -> None:
        self._frames.put_nowait(_END_OF_STREAM)

    async def __anext__(self) -> rtc.AudioFrame:
        frame = await self._frames.get()
        if frame is _END_OF_STREAM:
            self._frames.put_nowait(_END_OF_STREAM)
            raise StopAsyncIteration
        return frame


class LinkAudioOutput(io.AudioOutput):
    """Playback into the link: segments are buffered and played out one frame per clock tick.

    A segment counts as finished once its last frame has reached the listener (after the
    link's latency); `clear_buffer` drops what has not been played and reports the position.
    """

    def __init__(
        self,
        *,
        label: str,
        sample_rate: int,
        frame_bytes: int,
        on_segment_played: Callable[[PlayedSegment], None] | None = None,
    ) -> None:
        super().__init__(
            label=label,
            capabilities=io.AudioOutputCapabilities(pause=True),
            sample_rate=sample_rate,
        )
        self._rate = sample_rate
        self._frame_bytes = frame_bytes
        self._segments: deque[PlaybackSegment] = deque()
        self._paused = False
        self._due_finishes: deque[tuple[int, PlaybackSegment]] = deque()
        self._on_segment_played = on_segment_played
        self.speech_ids: Callable[[], str | None] | None = None
        """Which speech is playing (the session's current one): segments are labelled with it,
        so each played span is tied to the line or backchannel that produced it."""

    def _position_s(self, segment: PlaybackSegment) -> float:
        return segment.read_offset / 2 / self._rate

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if not self._segments or self._segments[-1].flushed:
            speech_id = self.speech_ids() if self.speech_ids is not None else None
            self._segments.append(PlaybackSegment(speech_id=speech_id))
        segment = self._segments[-1]
        if not segment.interrupted:
            segment.pcm.extend(frame.data.tobytes())

    def flush(self) -> None:
        super().flush()
        if not self._segments or self._segments[-1].flushed:
            return
        segment = self._segments[-1]
        segment.flushed = True
        if segment.interrupted:
            self._finish(segment)
        elif segment.exhausted and segment.last_tick is not None:
            self._schedule_finish(segment)

    def clear_buffer(self) -> None:
        for segment in list(self._segments):
            segment.interrupted = True
            del segment.pcm[segment.read_offset :]
            if segment.flushed:
                self._finish(segment)

    def pause(self) -> None:
        super().pause()
        self._paused = True

    def resume(self) -> None:
        super().resume()
        self._paused = False

    def _schedule_finish(self, segment: PlaybackSegment) -> None:
        """Fully sent: it finishes when its last frame is heard, and can no longer be cleared."""
        self._segments.remove(segment)
        self._due_finishes.append((segment.last_tick or 0, segment))

    def _finish(self, segment: PlaybackSegment) -> None:
        if segment in self._segments:
            self._segments.remove(segment)
        self.on_playback_finished(
            playback_position=self._position_s(segment), interrupted=segment.interrupted
        )
        if self._on_segment_played and segment.first_tick is not None:
            last = segment.last_tick if segment.last_tick is not None else segment.first_tick
            self._on_segment_played(
                PlayedSegment(segment.first_tick, last + 1, segment.interrupted, segment.speech_id)
            )

    def play_frame(self, tick: int, heard_at_tick: int) -> bytes | None:
        """Take the next frame to send at `tick` (None when silent) and settle finished segments.

        `heard_at_tick` is when this tick's frame reaches the listener; a segment whose last frame
        is sent now is reported finished once that tick has been delivered.
        """
        while self._due_finishes and self._due_finishes[0][0] < tick:
            _, segment = self._due_finishes.popleft()
            self._finish(segment)

        segment = self._segments[0] if self._segments else None
        if segment is None or self._paused or segment.exhausted:
            return None
        chunk = bytes(segment.pcm[segment.read_offset : segment.read_offset + self._frame_bytes])
        if segment.first_tick is None:
            segment.first_tick = heard_at_tick
            self.on_playback_started(created_at=time.time())
        segment.read_offset += len(chunk)
        segment.last_tick = heard_at_tick
        if segment.exhausted and segment.flushed:
            self._schedule_finish(segment)
        return chunk.ljust(self._frame_bytes, b"\x00")
