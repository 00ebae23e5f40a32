"""The OpenAI backend: a side runs on the OpenAI Realtime API through `livekit-plugins-openai`.

Honours `OPENAI_API_KEY`, `OPENAI_BASE_URL` and `CROSSTALK_OPENAI_REALTIME_MODEL`. The realtime
model hears, thinks and speaks, so the session needs no STT, TTS or local VAD.
"""

from __future__ import annotations

import os
from typing import Any

from livekit.plugins import openai  # plugins register themselves: import on the main thread

from ..errors import ConfigError
from .voices import Voice

DEFAULT_REALTIME_MODEL = "gpt-realtime"


class OpenAIRealtimeBackend:
    name = "openai"

    def warm_up(self) -> None:
        self.check()

    def check(self) -> None:
        if not os.environ.get("OPENAI_API_KEY"):
            raise ConfigError(
                "backend 'openai' needs OPENAI_API_KEY",
                hint="export OPENAI_API_KEY=... (and OPENAI_BASE_URL for a compatible server), "
                "or use backend: offline",
            )

    def session_kwargs(self, voice: Voice, sample_rate: int | None = None) -> dict[str, Any]:
        """The realtime model speaks at its own rate; the link resamples."""
        model = os.environ.get("CROSSTALK_OPENAI_REALTIME_MODEL", DEFAULT_REALTIME_MODEL)
        return {"llm": openai.realtime.RealtimeModel(model=model, voice=voice.openai)}

    def agent_has_own_brain(self) -> bool:
        return False
