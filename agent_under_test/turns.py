"""When the caller's turn is over, on the offline stack: the responder's VAD and endpointing.

A production voice agent answers well under a second after the caller stops. The framework's
defaults are made for open conversation: an end-of-turn model that, when unsure, waits up to
2.5 s, and a VAD that wants 0.55 s of silence. A customer-service agent whose caller has just
answered a question does better with a short silence and a fixed endpointing delay: the
transcript is ready by the time the silence is over.
"""

from __future__ import annotations

from livekit.agents import TurnHandlingOptions
from livekit.agents import vad as lk_vad
from livekit.plugins import silero

from .config import TurnConfig


def end_of_turn(config: TurnConfig) -> TurnHandlingOptions:
    """Turn detection on the VAD's silence, then a fixed endpointing delay."""
    return {
        "turn_detection": "vad",
        "endpointing": {
            "mode": "fixed",
            "min_delay": config.min_delay_s,
            "max_delay": config.max_delay_s,
        },
    }


def turn_vad(config: TurnConfig) -> lk_vad.VAD:
    """Silero with the responder's own silence threshold (one instance per session)."""
    return silero.VAD.load(min_silence_duration=config.silence_s)
