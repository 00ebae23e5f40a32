"""The caller's end of a remote call, one 20 ms tick at a time, with no network in it.

Each tick takes the caller's next frame to send (silence when it is quiet) and the next frame
received from the other party (silence when none has arrived: an underrun), hands the received
frame to the caller's input and records both: channel 0 the caller as sent (after its sent-side
impairments, so `sent_delay_frames` late), channel 1 the other party as received. Received audio
arrives in whatever chunk sizes the SDK delivers and is cut into 20 ms frames here. The LiveKit
transport wraps this with the room and the realtime SDK.
"""

from __future__ import annotations

from collections import deque

from livekit import rtc

from ..base import SpeechSpan
from ..clock import FRAME_S, samples_per_frame
from ..impairments import Impairment, ImpairmentChain
from ..link_io import LinkAudioInput, LinkAudioOutput, PlayedSegment
from ..recorder import StereoRecorder


class CallerLine:
    def __init__(
        self,
        sample_rate: int,
        *,
        impair_sent: list[Impairment] | None = None,
        impair_heard: list[Impairment] | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.frame_samples = samples_per_frame(sample_rate)
        self.frame_bytes = self.frame_samples * 2
        self._silence = bytes(self.frame_bytes)
        self.spans: list[SpeechSpan] = []
        self.output = LinkAudioOutput(
            label="livekit:caller-out",
            sample_rate=sample_rate,
            frame_bytes=self.frame_bytes,
            on_segment_played=self._on_segment_played,
        )
        self.input = LinkAudioInput(label="livekit:caller-in")
        self._impair_sent = ImpairmentChain(impair_sent) if impair_sent else None
        self._impair_heard = ImpairmentChain(impair_heard) if impair_heard else None
        # channel 0 records the caller after its sent-side impairments: this many frames after
        # it spoke (a jitter buffer, added latency), which the probes add back
        self.sent_delay_frames = self._impair_sent.delay_frames if self._impair_sent else 0
        self._received: deque[bytes] = deque()
        self._pending = bytearray()
        self.ticks = 0
        self.underruns = 0
        self.max_backlog = 0

    def _on_segment_played(self, segment: PlayedSegment) -> None:
        self.spans.append(segment.span(FRAME_S))

    def accept(self, pcm: bytes) -> None:
        """Audio from the other party as it arrived (mono int16 at the line's rate, any length)."""
        self._pending.extend(pcm)
        while len(self._pending) >= self.frame_bytes:
            self._received.append(bytes(self._pending[: self.frame_bytes]))
            del self._pending[: self.frame_bytes]
        self.max_backlog = max(self.max_backlog, len(self._received))

    def tick(self, recorder: StereoRecorder) -> bytes:
        """Advance one frame; returns the caller's frame to publish now."""
        sent = self.output.play_frame(self.ticks, heard_at_tick=self.ticks) or self._silence
        if self._impair_sent:
            sent = self._impair_sent(sent)
        if self._received:
            heard = self._received.popleft()
        else:
            heard = self._silence
            self.underruns += 1
        if self._impair_heard:
            heard = self._impair_heard(heard)
        self.input.deliver(
            rtc.AudioFrame(heard, self.sample_rate, 1, samples_per_channel=self.frame_samples),
            heard_until_s=(self.ticks + 1) * FRAME_S,
        )
        recorder.write(sent, heard)
        self.ticks += 1
        return sent
