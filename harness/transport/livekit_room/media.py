"""The simulated caller's realtime connection to its room (`livekit.rtc`): join, publish, listen.

`CallerMedia` joins the room with the caller's token, publishes one microphone track fed from an
`rtc.AudioSource`, waits for the other party's audio track, and yields what arrives as 20 ms
PCM frames. It also sends DTMF and reports the remote agent's state attribute. This is the part
a stand-in server cannot serve; everything before it (room, token, dispatch) is in `rooms`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from livekit import rtc

from ...errors import InfrastructureError

logger = logging.getLogger(__name__)

AGENT_STATE_ATTRIBUTE = "lk.agent.state"  # livekit-agents publishes its state here
_DTMF_CODES = {**{str(d): d for d in range(10)}, "*": 10, "#": 11, "A": 12, "B": 13, "C": 14}
_DTMF_CODES["D"] = 15

RemoteMatcher = Callable[[rtc.RemoteParticipant], bool]


def dtmf_code(digit: str) -> int:
    """The RFC 4733 event code of a keypad digit (0-9, *, #, A-D)."""
    return _DTMF_CODES[digit.upper()]


class CallerMedia:
    def __init__(self, sample_rate: int, *, identity: str) -> None:
        self.sample_rate = sample_rate
        self.identity = identity
        self.room = rtc.Room()
        self._source: rtc.AudioSource | None = None
        self._remote_audio: asyncio.Future[rtc.RemoteAudioTrack] | None = None
        self._remote_matches: RemoteMatcher = lambda _: False
        self.on_agent_state: Callable[[str], None] | None = None
        self.on_remote_left: Callable[[str], None] | None = None

    async def connect(self, url: str, token: str, *, timeout_s: float) -> None:
        """Join the room and publish the caller's microphone track."""
        self._remote_audio = asyncio.get_running_loop().create_future()
        self.room.on("track_subscribed", self._on_track_subscribed)
        self.room.on("participant_attributes_changed", self._on_attributes_changed)
        self.room.on("participant_disconnected", self._on_participant_disconnected)
        try:
            async with asyncio.timeout(timeout_s):
                await self.room.connect(url, token, rtc.RoomOptions(auto_subscribe=True))
                self._source = rtc.AudioSource(self.sample_rate, 1, queue_size_ms=100)
                track = rtc.LocalAudioTrack.create_audio_track("caller-microphone", self._source)
                options = rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
                await self.room.local_participant.publish_track(track, options)
        except (rtc.ConnectError, TimeoutError) as exc:
            raise InfrastructureError(
                f"the caller could not join the room over LiveKit's realtime connection "
                f"({type(exc).__name__}: {exc})",
                hint="check LIVEKIT_URL is the server's ws(s):// address and reachable (UDP/TCP "
                "ports for WebRTC too)",
            ) from None

    async def remote_audio(self, matches: RemoteMatcher, *, who: str, timeout_s: float) -> None:
        """Wait until the audio track of the participant that `matches` is subscribed."""
        assert self._remote_audio is not None, "connect() first"
        self._remote_matches = matches
        for participant in self.room.remote_participants.values():
            for publication in participant.track_publications.values():
                if publication.track is not None:
                    self._on_track_subscribed(publication.track, publication, participant)
        try:
            async with asyncio.timeout(timeout_s):
                await asyncio.shield(self._remote_audio)
        except TimeoutError:
            raise InfrastructureError(
                f"no audio from {who} within {timeout_s:g} s of joining room {self.room.name}"
            ) from None

    def _on_track_subscribed(
        self,
        track: rtc.Track,
        publication: rtc.RemoteTrackPublication,
        participant: rtc.RemoteParticipant,
    ) -> None:
        if (
            isinstance(track, rtc.RemoteAudioTrack)
            and self._remote_matches(participant)
            and self._remote_audio is not None
            and not self._remote_audio.done()
        ):
            logger.info("subscribed to %s's audio track %s", participant.identity, track.sid)
            self._remote_audio.set_result(track)

    def _on_attributes_changed(self, changed: dict[str, str], participant: rtc.Participant) -> None:
        state = changed.get(AGENT_STATE_ATTRIBUTE)
        if (
            state
            and self.on_agent_state
            and isinstance(participant, rtc.RemoteParticipant)
            and self._remote_matches(participant)
        ):
            self.on_agent_state(state)

    def _on_participant_disconnected(self, participant: rtc.RemoteParticipant) -> None:
        if self._remote_matches(participant) and self.on_remote_left:
            self.on_remote_left(participant.identity)

    async def frames(self) -> AsyncIterator[bytes]:
        """What the remote party sends, as mono int16 PCM at the link's rate, as it arrives."""
        assert self._remote_audio is not None and self._remote_audio.done()
        stream = rtc.AudioStream.from_track(
            track=self._remote_audio.result(),
            sample_rate=self.sample_rate,
            num_channels=1,
            frame_size_ms=20,
        )
        try:
            async for event in stream:
                yield event.frame.data.tobytes()
        finally:
            await stream.aclose()

    async def send(self, pcm: bytes) -> None:
        """Publish one frame of the caller's audio (mono int16 at the link's rate)."""
        if self._source is None:
            return
        frame = rtc.AudioFrame(pcm, self.sample_rate, 1, len(pcm) // 2)
        await self._source.capture_frame(frame)

    async def send_dtmf(self, digits: str, *, gap_s: float = 0.25) -> None:
        for digit in digits:
            await self.room.local_participant.publish_dtmf(code=dtmf_code(digit), digit=digit)
            await asyncio.sleep(gap_s)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.room.disconnect(), 5)
        if self._source is not None:
            with contextlib.suppress(Exception):
                await self._source.aclose()
