"""The transport seam: what carries live audio between the caller side and the agent side.

A transport hands each side a `LinkEnd` (the `AudioInput`/`AudioOutput` pair its `AgentSession`
plugs into), owns the session clock and records the call. The sides never know which transport
they are on; a LiveKit-room transport implements the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from livekit.agents.voice import io

from .clock import PacingStats, SessionClock

Role = Literal["caller", "agent"]
ROLES: tuple[Role, Role] = ("caller", "agent")


@dataclass(frozen=True)
class LinkEnd:
    audio_input: io.AudioInput
    audio_output: io.AudioOutput


@dataclass(frozen=True)
class SpeechSpan:
    """A stretch of one side's playback, in session seconds, as the other side heard it."""

    start_s: float
    end_s: float
    interrupted: bool
    speech_id: str | None = None  # the livekit speech that played it, when the side said


@dataclass(frozen=True)
class LinkOptions:
    sample_rate: int = 16_000
    one_way_latency_ms: float = 0.0


class EventSink(Protocol):
    """Where a transport reads the call's events and adds its own (the run's `events.jsonl`)."""

    def write(self, side: str, event_type: str, data: dict[str, Any]) -> Any: ...

    def subscribe(self, listener: Callable[[dict[str, Any]], None]) -> None: ...


class Transport(Protocol):
    clock: SessionClock
    sample_rate: int
    pacing: PacingStats
    hosts_agent: bool
    """False when the agent is remote (a LiveKit room, a phone): only the caller is local."""

    @property
    def duration_s(self) -> float:
        """Audio time carried so far: the length of the recording."""

    def end_for(self, role: Role) -> LinkEnd: ...

    async def start(self, recording_path: Path) -> None:
        """Start the clock and the audio both ways, recording to `recording_path`."""

    async def stop(self) -> None:
        """Stop the audio, end both inputs and close the recording (idempotent)."""

    def played_spans(self, role: Role) -> list[SpeechSpan]:
        """What `role` played so far, as heard by the other side."""

    def describe(self) -> dict[str, Any]:
        """What session.json records about the transport (never credentials)."""

    def attach_events(self, events: EventSink) -> None:
        """Called once before `start`: the transport may watch the call's events and add its own."""
