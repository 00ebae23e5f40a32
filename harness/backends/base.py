"""The backend seam: which speech and language models a side's `AgentSession` runs on.

A backend turns a side's voice into the keyword arguments of an `AgentSession` (stt, vad, tts,
llm, turn handling). Sides and agents never name a backend's classes; a new backend is a module
implementing `Backend` plus one entry in `_FACTORIES` of `crosstalk_harness.backends` (its
names are `BACKEND_NAMES`).
"""

from __future__ import annotations

from typing import Any, Protocol

from .voices import Voice


class Backend(Protocol):
    name: str

    def check(self) -> None:
        """Fail fast (a `ConfigError`) on what is missing, e.g. credentials; loads nothing."""

    def warm_up(self) -> None:
        """Load models and check credentials before any session clock starts (blocking)."""

    def session_kwargs(self, voice: Voice, sample_rate: int | None = None) -> dict[str, Any]:
        """The `AgentSession(...)` keyword arguments for one side (blocking: may load models).

        `sample_rate`: the side's speech comes at this rate (the link's); None: the engine's."""

    def agent_has_own_brain(self) -> bool:
        """True when the backend brings no LLM, so the agent must bring its own policy."""
