"""Live audio between the two sides of a session: the transport seam and its implementations."""

from collections.abc import Callable

from .base import ROLES, LinkEnd, LinkOptions, Role, SpeechSpan, Transport
from .clock import FRAME_MS, FRAME_S, PacingStats, SessionClock
from .inprocess import InProcessTransport

TRANSPORTS: dict[str, Callable[..., Transport]] = {
    "inprocess": InProcessTransport,
}

__all__ = [
    "FRAME_MS",
    "FRAME_S",
    "ROLES",
    "TRANSPORTS",
    "InProcessTransport",
    "LinkEnd",
    "LinkOptions",
    "PacingStats",
    "Role",
    "SessionClock",
    "SpeechSpan",
    "Transport",
]
