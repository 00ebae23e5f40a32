"""The offline backend: Silero VAD, Whisper tiny.en STT, Piper or espeak-ng TTS; all from packages.

No network and no key. The LLM seat stays empty: each side's `Agent` brings a deterministic
policy (the caller's script, the agent's rules) implementing `llm.LLM`.
"""

from __future__ import annotations

from typing import Any

from livekit.agents import vad as lk_vad
from livekit.plugins import silero

from .. import voices
from ..voices import Voice
from . import whisper
from .whisper import WhisperSTT


def _load_vad() -> lk_vad.VAD:
    """One VAD per session: its metrics events go to the session that owns it."""
    return silero.VAD.load()


class OfflineBackend:
    name = "offline"

    def check(self) -> None:
        """Everything ships in packages: nothing to check."""

    def warm_up(self) -> None:
        _load_vad()
        whisper.shared_model()
        for name in voices.ENGINE_NAMES:
            voices.engine(name).warm_up()

    def session_kwargs(self, voice: Voice, sample_rate: int | None = None) -> dict[str, Any]:
        return {
            "vad": _load_vad(),
            "stt": WhisperSTT(),
            "tts": voices.engine(voice.engine).build_tts(voice, sample_rate),
            "turn_handling": {"interruption": {"mode": "vad"}},
        }

    def agent_has_own_brain(self) -> bool:
        return True
