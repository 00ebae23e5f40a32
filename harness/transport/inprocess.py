"""The in-process transport: both sides in one event loop, joined by a paced, delayed audio link.

One pump task drives the session clock: every 20 ms tick it takes one frame from each side's
playback (silence if it is quiet), runs it through that direction's impairments (noise, phone
band, loss, jitter) and delay line (the one-way latency), and delivers what comes out to the other
side's input and to the recording. A late tick is caught up frame by frame, so audio time stays
equal to wall time and never drifts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from pathlib import Path
from typing import Any

from livekit import rtc

from ..rundir.layout import DRY_RECORDING, SENT_RECORDING
from .base import ROLES, EventSink, LinkEnd, LinkOptions, Role, SpeechSpan
from .clock import FRAME_MS, FRAME_S, Metronome, PacingStats, SessionClock, samples_per_frame
from .impairments import Impairment, ImpairmentChain
from .link_io import LinkAudioInput, LinkAudioOutput, PlayedSegment
from .recorder import StereoRecorder

logger = logging.getLogger(__name__)


class _Direction:
    """One way of the link: the speaker's playback, the wire's delay line, the listener's input."""

    def __init__(
        self,
        speaker: Role,
        options: LinkOptions,
        impairments: list[Impairment] | None = None,
        dry_impairments: list[Impairment] | None = None,
    ) -> None:
        self.sample_rate = options.sample_rate
        self.frame_samples = samples_per_frame(options.sample_rate)
        self._silence = bytes(self.frame_samples * 2)
        self.latency_frames = round(options.one_way_latency_ms / 1000 / FRAME_S)
        self.spans: list[SpeechSpan] = []
        self.output = LinkAudioOutput(
            label=f"link:{speaker}-out",
            sample_rate=options.sample_rate,
            frame_bytes=self.frame_samples * 2,
            on_segment_played=self._on_segment_played,
        )
        listener = "agent" if speaker == "caller" else "caller"
        self.input = LinkAudioInput(label=f"link:{listener}-in")
        self._wire: deque[bytes] = deque([self._silence] * self.latency_frames)
        self._impair = ImpairmentChain(impairments) if impairments else None
        self._dry_wire: deque[bytes] = deque([self._silence] * self.latency_frames)
        self._dry_impair = ImpairmentChain(dry_impairments) if dry_impairments else None
        self.dry_heard = self._silence
        self.heard_after_frames = self.latency_frames + (
            self._impair.delay_frames if self._impair else 0
        )
        # what the speaker sent, delayed to when the listener heard it: clean speech on the
        # recording's timeline
        self._sent_wire: deque[bytes] = deque([self._silence] * self.heard_after_frames)
        self.sent_heard = self._silence

    def _on_segment_played(self, segment: PlayedSegment) -> None:
        self.spans.append(segment.span(FRAME_S))

    def tick(self, index: int) -> bytes:
        """Advance one frame; returns what the listener hears at tick `index`."""
        sent = self.output.play_frame(index, heard_at_tick=index + self.heard_after_frames)
        on_wire = sent if sent is not None else self._silence
        self._wire.append(self._impair(on_wire) if self._impair else on_wire)
        heard = self._wire.popleft()
        self._sent_wire.append(on_wire)
        self.sent_heard = self._sent_wire.popleft()
        self._dry_wire.append(self._dry_impair(on_wire) if self._dry_impair else on_wire)
        self.dry_heard = self._dry_wire.popleft()
        self.input.deliver(
            rtc.AudioFrame(
                heard, self.sample_rate, num_channels=1, samples_per_channel=self.frame_samples
            ),
            heard_until_s=(index + 1) * FRAME_S,
        )
        return heard


class InProcessTransport:
    """Two sides in one process, real-time paced, with a configurable one-way latency."""

    hosts_agent = True

    def __init__(
        self,
        options: LinkOptions | None = None,
        impairments: dict[Role, list[Impairment]] | None = None,
        dry_impairments: dict[Role, list[Impairment]] | None = None,
    ) -> None:
        """`impairments[speaker]` run on what that side sends (heard so by the other side).

        With `dry_impairments` (the same chains without their added noise) a second recording,
        `DRY_RECORDING` beside the first, keeps the call as heard but for the noise: the timing
        probes measure that one, since steady noise would look like speech to them. A link with
        any impairment also records `SENT_RECORDING`: each side as it sent it, on the same
        timeline, whose clean speech the hearing analysis transcribes after the call.
        """
        self.options = options or LinkOptions()
        self.sample_rate = self.options.sample_rate
        self.clock = SessionClock()
        self.pacing = PacingStats()
        impairments = impairments or {}
        self._dry = dry_impairments is not None
        self._record_sent = any(impairments.values())
        self._directions: dict[Role, _Direction] = {
            role: _Direction(
                role, self.options, impairments.get(role), (dry_impairments or {}).get(role)
            )
            for role in ROLES
        }
        self._recorder: StereoRecorder | None = None
        self._dry_recorder: StereoRecorder | None = None
        self._sent_recorder: StereoRecorder | None = None
        self._pump: asyncio.Task[None] | None = None
        self._metronome = Metronome.shared()
        self.ticks = 0

    def end_for(self, role: Role) -> LinkEnd:
        other: Role = "agent" if role == "caller" else "caller"
        return LinkEnd(
            audio_input=self._directions[other].input,
            audio_output=self._directions[role].output,
        )

    def played_spans(self, role: Role) -> list[SpeechSpan]:
        return list(self._directions[role].spans)

    @property
    def duration_s(self) -> float:
        return self.ticks * FRAME_S

    def describe(self) -> dict[str, Any]:
        return {
            "kind": "inprocess",
            "sample_rate": self.sample_rate,
            # each direction's fixed delay (latency + jitter buffer): the probes add the
            # caller->agent leg back, since call.wav holds the caller as the agent heard it
            "legs_ms": {
                "caller_to_agent": self._directions["caller"].heard_after_frames * FRAME_MS,
                "agent_to_caller": self._directions["agent"].heard_after_frames * FRAME_MS,
            },
        }

    def attach_events(self, events: EventSink) -> None:
        """Nothing to watch: both sides' events come from their own sessions."""

    async def start(self, recording_path: Path) -> None:
        self._recorder = StereoRecorder(recording_path, self.sample_rate)
        if self._dry:
            dry_path = recording_path.with_name(DRY_RECORDING)
            self._dry_recorder = StereoRecorder(dry_path, self.sample_rate)
        if self._record_sent:
            sent_path = recording_path.with_name(SENT_RECORDING)
            self._sent_recorder = StereoRecorder(sent_path, self.sample_rate)
        self.clock.start()
        self._pump = asyncio.create_task(self._run_pump(), name="inprocess-link-pump")

    def _tick(self) -> None:
        """Move one frame each way and record what was heard."""
        assert self._recorder is not None
        caller_heard = self._directions["caller"].tick(self.ticks)
        agent_heard = self._directions["agent"].tick(self.ticks)
        self._recorder.write(caller_heard, agent_heard)
        if self._dry_recorder is not None:
            directions = self._directions
            self._dry_recorder.write(directions["caller"].dry_heard, directions["agent"].dry_heard)
        if self._sent_recorder is not None:
            directions = self._directions
            self._sent_recorder.write(
                directions["caller"].sent_heard, directions["agent"].sent_heard
            )
        self.ticks += 1

    async def _run_pump(self) -> None:
        while True:
            deadline = self.clock.deadline(self.ticks)
            if deadline > time.monotonic():
                await self._metronome.sleep_until(deadline)
            else:
                await asyncio.sleep(0)  # behind schedule: catch up, but let the sides run too
            self.pacing.record(time.monotonic() - deadline)
            self._tick()

    async def stop(self) -> None:
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
            self._pump = None
            stopped_at = time.monotonic()
            while self.clock.deadline(self.ticks) <= stopped_at:  # frames a busy loop left due
                self._tick()
        self._metronome.stop()
        for direction in self._directions.values():
            direction.input.close()
        for recorder in (self._recorder, self._dry_recorder, self._sent_recorder):
            if recorder is not None:
                recorder.close()
        self._recorder = self._dry_recorder = self._sent_recorder = None
