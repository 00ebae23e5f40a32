"""The offline backend: Silero VAD, Whisper tiny.en STT and espeak-ng TTS, all shipped in packages.

No network and no key. The LLM seat stays empty: each side's `Agent` brings a deterministic
policy (the caller's script, the agent's rules) implementing `llm.LLM`.
"""

from __future__ import annotations

from typing import Any

from livekit.agents import vad as lk_vad
from livekit.plugins import silero

from ...errors import ConfigError
from ..base import Voice
from . import espeak, whisper
from .espeak import EspeakTTS, EspeakVoice
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
        espeak.warm_up()

    def session_kwargs(self, voice: Voice) -> dict[str, Any]:
        try:
            tts = EspeakTTS(
                EspeakVoice(voice.espeak_voice, voice.words_per_minute, voice.pitch),
                sample_rate=voice.sample_rate,
            )
        except ValueError as exc:
            raise ConfigError(
                f"voice.espeak: {exc}", hint="try en-us, en-gb-x-rp, en-029 or en-GB-scotland"
            ) from None  # the runner puts the file and the side in front of the field
        return {
            "vad": _load_vad(),
            "stt": WhisperSTT(),
            "tts": tts,
            "turn_handling": {"interruption": {"mode": "vad"}},
        }

    def agent_has_own_brain(self) -> bool:
        return True
