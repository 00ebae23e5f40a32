"""The text link: both sides in one event loop, joined by text turns instead of live audio.

Text mode replaces the audio path and nothing else. Each side's `AgentSession` has no audio in
or out; what a side says reaches livekit-agents' own text output (`session.output.transcription`,
after the agent's `transcription_node`, so guardrails still decide what is said), and when a
reply is complete the other side receives it as a final transcript from `TextSTT`: livekit's
own turn handling (endpointing, `user_input_transcribed`, `on_user_turn_completed`, the reply)
runs on it exactly as on recognised speech, with no VAD, STT model, TTS or pacing.

Turns take no time to say: a line is heard the instant it is complete. The link runs on the
loop's clock, which a `VirtualTimeLoop` moves only when nothing is ready (virtual_clock.py).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from livekit.agents import APIConnectOptions, stt, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS, NOT_GIVEN, NotGivenOr
from livekit.agents.voice import io

from .base import ROLES, EventSink, Role, SpeechSpan
from .clock import PacingStats, SessionClock

Said = Callable[[str, float, str | None], None]


class LoopClock(SessionClock):
    """Seconds since the call started, on the running event loop's clock (virtual or not)."""

    def __init__(self) -> None:
        super().__init__()
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._origin = self._loop.time()

    def now(self) -> float:
        if self._loop is None or self._origin is None:
            return 0.0
        return self._loop.time() - self._origin

    def deadline(self, frame_index: int) -> float:
        raise RuntimeError("a text link has no frames")


class TextSTT(stt.STT):
    """A speech-to-text that hears text: each line pushed becomes one final transcript."""

    def __init__(self) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=True, interim_results=False))
        self._streams: list[_TextStream] = []

    @property
    def model(self) -> str:
        return "text"

    @property
    def provider(self) -> str:
        return "crosstalk-text-link"

    def hear(self, text: str) -> None:
        for stream in list(self._streams):
            stream.lines.put_nowait(text)

    async def _recognize_impl(
        self,
        buffer: utils.AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        raise NotImplementedError("a text link hears text, not audio")

    def stream(
        self,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
    ) -> stt.RecognizeStream:
        stream = _TextStream(self, conn_options=conn_options)
        self._streams.append(stream)
        return stream


class _TextStream(stt.RecognizeStream):
    def __init__(self, owner: TextSTT, *, conn_options: APIConnectOptions) -> None:
        super().__init__(stt=owner, conn_options=conn_options)
        self._owner = owner
        self.lines: asyncio.Queue[str] = asyncio.Queue()

    async def _run(self) -> None:
        try:
            while True:
                text = await self.lines.get()
                data = [stt.SpeechData(language="en", text=text)]
                for kind in (
                    stt.SpeechEventType.START_OF_SPEECH,
                    stt.SpeechEventType.FINAL_TRANSCRIPT,
                    stt.SpeechEventType.END_OF_SPEECH,
                ):
                    self._event_ch.send_nowait(stt.SpeechEvent(type=kind, alternatives=data))
        finally:
            if self in self._owner._streams:
                self._owner._streams.remove(self)


class TextLinkOutput(io.TextOutput):
    """One side's text output: a reply's text, handed on whole when the reply is complete."""

    def __init__(self, label: str, on_said: Said, clock: SessionClock) -> None:
        super().__init__(label=label, next_in_chain=None)
        self._on_said = on_said
        self._clock = clock
        self._parts: list[str] = []
        self._started_s = 0.0
        self.speech_id: Callable[[], str | None] = lambda: None

    async def capture_text(self, text: str) -> None:
        if not self._parts:
            self._started_s = self._clock.now()
        self._parts.append(text)

    def flush(self) -> None:
        text = "".join(self._parts).strip()
        self._parts = []
        if text:
            self._on_said(text, self._started_s, self.speech_id())


def _stamp(seconds: float) -> float:
    return math.floor(seconds * 10_000) / 10_000


class TextLink:
    """Two sides in one process, exchanging whole text turns (the `Transport` of text mode)."""

    hosts_agent = True
    sample_rate = 16_000  # nominal: nothing is sampled

    def __init__(self) -> None:
        self.clock: SessionClock = LoopClock()
        self.pacing = PacingStats()
        self.stt: dict[Role, TextSTT] = {role: TextSTT() for role in ROLES}
        self.outputs: dict[Role, TextLinkOutput] = {
            role: TextLinkOutput(f"text:{role}-out", self._said_by(role), self.clock)
            for role in ROLES
        }
        self.listeners: dict[Role, list[Callable[[float, str], None]]] = {r: [] for r in ROLES}
        self._spans: dict[Role, list[SpeechSpan]] = {role: [] for role in ROLES}
        self._ended_s = 0.0

    def _said_by(self, speaker: Role) -> Said:
        listener: Role = "agent" if speaker == "caller" else "caller"

        def said(text: str, started_s: float, speech_id: str | None) -> None:
            # at the event log's resolution, so what is heard now is logged within the span
            now, started_s = _stamp(self.clock.now()), _stamp(started_s)
            self._spans[speaker].append(SpeechSpan(started_s, now, False, speech_id))
            for heard in self.listeners[listener]:
                heard(now, text)
            self.stt[listener].hear(text)

        return said

    @property
    def duration_s(self) -> float:
        return self._ended_s if self._ended_s else self.clock.now()

    def played_spans(self, role: Role) -> list[SpeechSpan]:
        return list(self._spans[role])

    def describe(self) -> dict[str, Any]:
        return {"kind": "text"}

    def attach_events(self, events: EventSink) -> None:
        """Nothing to watch: both sides' events come from their own sessions."""

    async def start(self, recording_path: Path | None = None) -> None:
        self.clock.start()

    async def stop(self) -> None:
        self._ended_s = self._ended_s or self.clock.now()
