"""The backend seam: which speech and language models a side's `AgentSession` runs on.

A backend turns a side's voice into the keyword arguments of an `AgentSession` (stt, vad, tts,
llm, turn handling). Sides and agents never name a backend's classes; a new backend is a module
implementing `Backend` plus one entry in `crosstalk_harness.backends.BACKENDS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Voice:
    """How a side sounds, for whichever backend speaks for it."""

    engine: str = "piper"  # the offline backend's speech engine (`backends.voices.ENGINES`)
    piper_voice: str = "en_US-joe-medium"
    espeak_voice: str = "en-us"
    words_per_minute: int = 165
    pitch: int = 50  # 0-99; 50 is the engine's own
    openai_voice: str = "alloy"
    sample_rate: int | None = None  # produce audio at this rate (the link's); None: the engine's


class Backend(Protocol):
    name: str

    def check(self) -> None:
        """Fail fast (a `ConfigError`) on what is missing, e.g. credentials; loads nothing."""

    def warm_up(self) -> None:
        """Load models and check credentials before any session clock starts (blocking)."""

    def session_kwargs(self, voice: Voice) -> dict[str, Any]:
        """The `AgentSession(...)` keyword arguments for one side (blocking: may load models)."""

    def agent_has_own_brain(self) -> bool:
        """True when the backend brings no LLM, so the agent must bring its own policy."""
