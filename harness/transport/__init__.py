"""Live audio between the two sides of a session: the transport seam and its implementations."""

from collections.abc import Callable

from .base import ROLES, EventSink, LinkEnd, LinkOptions, Role, SpeechSpan, Transport
from .clock import FRAME_MS, FRAME_S, PacingStats, SessionClock
from .inprocess import InProcessTransport
from .livekit_room.transport import LiveKitTransport

TRANSPORTS: dict[str, Callable[..., Transport]] = {
    "inprocess": InProcessTransport,
    "livekit": LiveKitTransport,
}

__all__ = [
    "FRAME_MS",
    "FRAME_S",
    "ROLES",
    "TRANSPORTS",
    "EventSink",
    "InProcessTransport",
    "LiveKitTransport",
    "LinkEnd",
    "LinkOptions",
    "PacingStats",
    "Role",
    "SessionClock",
    "SpeechSpan",
    "Transport",
]
