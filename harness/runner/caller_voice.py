"""The simulated caller's voice for one call: each line in its persona's tone, served from the
speech cache, and a scripted caller's lines rendered before the call's clock starts; and its
speech-to-text, the cheaper reading of the offline Whisper.

The caller is the harness, not the agent under test, so its synthesis is ours to save: a line
said identically in every repeat is rendered once. The agent's voice is never cached (its
synthesis time is the agent's own).
"""

from __future__ import annotations

from typing import Any

from livekit.agents import Agent

from ..backends import Voice
from ..backends.speech_cache import KeepsSpeech, speech_cache
from ..backends.voices import VoiceShift
from ..callers import SimulatedCaller


def caller_tts(tts: Any, voice: Voice, tones: dict[str, VoiceShift]) -> Any:
    """The caller's TTS, toned (offline engines only) and then kept in the speech cache: toned
    first, so a cached line is keyed by its delivery too."""
    from ..backends.offline.synthesis import OfflineTTS
    from ..backends.offline.toned import TonedTTS

    if tones and isinstance(tts, OfflineTTS):
        tts = TonedTTS(tts, voice, tones)
    cache = speech_cache()
    if cache is not None and isinstance(tts, KeepsSpeech):
        tts.keep_speech(cache)
    return tts


def caller_stt(stt: Any) -> Any:
    """The caller's speech-to-text: offline Whisper reading each utterance's own window (a
    third of the CPU); the agent under test's keeps the full window (see `whisper`)."""
    from ..backends.offline.whisper import WhisperSTT

    return WhisperSTT(utterance_window=True) if isinstance(stt, WhisperSTT) else stt


async def render_caller_lines_ahead(caller: Agent, kwargs: dict[str, Any]) -> None:
    """A scripted caller's lines into the speech cache before the clock starts (a warm cache
    makes this a few file reads), so no call renders them while its audio runs."""
    tts = kwargs.get("tts")
    if isinstance(caller, SimulatedCaller) and isinstance(tts, KeepsSpeech):
        await tts.render_ahead(caller.foreseen_lines())
