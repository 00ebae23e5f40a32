"""The LiveKit transport: the simulated caller in a LiveKit room, the other party remote.

Per session it creates a room, brings in the other party (an agent dispatched by name, or a
phone number dialled through SIP), joins the caller with its own token, and then paces the call
like the in-process link: every 20 ms tick the caller's next frame is published and the next
received frame is handed to the caller's input. The recording is the caller's view of the call:
channel 0 the caller as sent, channel 1 the other party as received, so network and server
latency are part of every probe; the delay of the caller's sent-side impairments (a jitter buffer,
added latency) is not, and `describe` gives it as the caller->agent leg the probes add back.
The room is deleted in `stop`, and on any failure in `start`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from pathlib import Path
from typing import Any

from ...config.models import DtmfStep, LiveKitTarget, PhoneTarget
from ..base import EventSink, LinkEnd, Role, SpeechSpan
from ..clock import FRAME_MS, FRAME_S, Metronome, PacingStats, SessionClock
from ..impairments import Impairment
from ..recorder import StereoRecorder
from .caller_line import CallerLine
from .credentials import LiveKitCredentials
from .dtmf import DtmfPlan
from .media import CallerMedia
from .parties import RemoteParty, party_for
from .rooms import SessionRoom

logger = logging.getLogger(__name__)

CALLER_IDENTITY = "crosstalk-caller"
_MEDIA_TIMEOUT_S = 20.0


def room_name(prefix: str, session_id: str) -> str:
    """Unique per session and per run, so parallel shards never share a room."""
    return f"{prefix}{session_id}-{secrets.token_hex(3)}"[:120]


class LiveKitTransport:
    """One session in a LiveKit room; only the caller side is local (`hosts_agent` is False)."""

    hosts_agent = False

    def __init__(
        self,
        credentials: LiveKitCredentials,
        target: LiveKitTarget | PhoneTarget,
        *,
        session_id: str,
        sample_rate: int = 16_000,
        max_duration_s: float = 600.0,
        impairments: dict[Role, list[Impairment]] | None = None,
    ) -> None:
        self.credentials = credentials
        self.target = target
        self.sample_rate = sample_rate
        self.clock = SessionClock()
        self.pacing = PacingStats()
        self.room_name = room_name(target.room_prefix, session_id)
        self.party: RemoteParty = party_for(target, self.room_name)
        self._token_ttl_s = max_duration_s + 600
        impairments = impairments or {}
        self.line = CallerLine(
            sample_rate,
            impair_sent=impairments.get("caller"),
            impair_heard=impairments.get("agent"),
        )
        self._room: SessionRoom | None = None
        self._media: CallerMedia | None = None
        self._events: EventSink | None = None
        self._dtmf = DtmfPlan(list(target.dtmf), self._send_dtmf)
        self._outgoing: asyncio.Queue[bytes] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._recorder: StereoRecorder | None = None
        self._metronome = Metronome.shared()

    # -- the Transport protocol ---------------------------------------------------------------

    def end_for(self, role: Role) -> LinkEnd:
        if role != "caller":
            raise ValueError(f"the {self.party.kind} is remote: only the caller has a local end")
        return LinkEnd(audio_input=self.line.input, audio_output=self.line.output)

    def played_spans(self, role: Role) -> list[SpeechSpan]:
        return list(self.line.spans) if role == "caller" else []

    @property
    def duration_s(self) -> float:
        return self.line.ticks * FRAME_S

    def describe(self) -> dict[str, Any]:
        """For session.json: where the call went; never a key, secret or token."""
        return {
            "kind": "livekit",
            "sample_rate": self.sample_rate,
            "server": self.credentials.host,
            "room": self.room_name,
            "remote": self.party.describe(),
            "receive_underruns": self.line.underruns,
            "receive_max_backlog_frames": self.line.max_backlog,
            # the recording's caller channel is late by the sent-side impairments' delay (the
            # probes add it back); the network's legs are in the recording, not known apart
            "legs_ms": {
                "caller_to_agent": self.line.sent_delay_frames * FRAME_MS,
                "agent_to_caller": None,
            },
        }

    def attach_events(self, events: EventSink) -> None:
        self._events = events
        events.subscribe(self._dtmf.on_event)

    async def start(self, recording_path: Path) -> None:
        """Room, other party, caller connection; then the clock. Any failure deletes the room."""
        self._room = SessionRoom(self.credentials, self.room_name)
        self._media = CallerMedia(self.sample_rate, identity=CALLER_IDENTITY)
        try:
            await self._room.create(metadata='{"created_by": "crosstalk"}')
            if self.party.joins_before_caller:
                await self.party.bring_in(self._room)
            token = self._room.participant_token(CALLER_IDENTITY, ttl_s=self._token_ttl_s)
            await self._media.connect(self.credentials.ws_url, token, timeout_s=_MEDIA_TIMEOUT_S)
            if not self.party.joins_before_caller:
                await self.party.bring_in(self._room)
            await self._media.remote_audio(
                self.party.matches, who=self.party.describe_who(), timeout_s=_MEDIA_TIMEOUT_S
            )
        except BaseException:
            await self._teardown()
            raise
        self._media.on_agent_state = self._on_agent_state
        self._media.on_remote_left = self._on_remote_left
        self._recorder = StereoRecorder(recording_path, self.sample_rate)
        self.clock.start()
        self._tasks = [
            asyncio.create_task(self._receive(), name="livekit-receive"),
            asyncio.create_task(self._publish(), name="livekit-publish"),
            asyncio.create_task(self._run_pump(), name="livekit-pump"),
        ]
        self._dtmf.start(self.clock.now)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        self._metronome.stop()
        await self._dtmf.stop()
        self.line.input.close()
        if self._recorder is not None:
            self._recorder.close()
            self._recorder = None
        await self._teardown()

    # -- inside -------------------------------------------------------------------------------

    async def _teardown(self) -> None:
        """Leave and delete the room (idempotent); cleanup failures are logged, not raised."""
        if self._media is not None:
            await self._media.close()
            self._media = None
        if self._room is not None:
            await self._room.aclose()
            self._room = None

    async def _run_pump(self) -> None:
        assert self._recorder is not None
        while True:
            deadline = self.clock.deadline(self.line.ticks)
            if deadline > time.monotonic():
                await self._metronome.sleep_until(deadline)
            else:
                await asyncio.sleep(0)  # behind schedule: catch up, but let the caller run too
            self.pacing.record(time.monotonic() - deadline)
            self._outgoing.put_nowait(self.line.tick(self._recorder))

    async def _publish(self) -> None:
        """Hand the caller's frames to the realtime SDK off the pump, which never waits on it."""
        assert self._media is not None
        while True:
            await self._media.send(await self._outgoing.get())

    async def _receive(self) -> None:
        assert self._media is not None
        async for pcm in self._media.frames():
            self.line.accept(pcm)

    async def _send_dtmf(self, step: DtmfStep) -> None:
        if self._media is None:
            return
        await self._media.send_dtmf(step.digits)
        if self._events is not None:
            self._events.write("caller", "dtmf_sent", {"digits": step.digits})

    def _on_agent_state(self, state: str) -> None:
        if self._events is not None:
            self._events.write("agent", "agent_state_changed", {"new_state": state, "remote": True})

    def _on_remote_left(self, identity: str) -> None:
        if self._events is not None:
            self._events.write("harness", "remote_left", {"identity": identity})
