"""Lines in a changed voice: one offline engine rendering each utterance with its own pitch,
level and pace (`VoiceShift`), so a simulated caller can sound calm, then tense.

Pitch moves by resampling, as Piper's own pitch setting does: the engine renders the utterance
more slowly by the shift's factor at a rate lower by that factor, and the samples, delivered at
the side's rate, play faster by it: every frequency rises by exactly the shift and the pace is
restored. Level is a plain gain (clipped at full scale).
"""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator

import numpy as np

from .. import voices
from ..voices import Voice, VoiceShift
from .synthesis import OfflineTTS

_SAME_LINE = 0.85  # a text this close to a line's (a filler added, a word dropped) is that line


class TonedTTS(OfflineTTS):
    """An offline TTS whose utterances take the shift of the line they say (`tones`, by text)."""

    provider_name = "offline-toned"

    def __init__(self, plain: OfflineTTS, voice: Voice, tones: dict[str, VoiceShift]) -> None:
        """`plain`: the side's own TTS (built from `voice`), which speaks every other text."""
        super().__init__(plain.sample_rate, plain.sample_rate)
        self._plain, self._voice, self._tones = plain, voice, tones
        self._engines: dict[tuple[int, int], OfflineTTS] = {}

    @property
    def model(self) -> str:
        return self._plain.model

    def identity(self) -> str:
        """The plain voice's identity and every line's shift: a line's delivery is a function
        of its text here, so a cached utterance keyed by this and the text is the right one."""
        tones = sorted((text, repr(shift)) for text, shift in self._tones.items())
        return f"toned:{self._plain.identity()}:{tones!r}"

    def shift_for(self, text: str) -> VoiceShift | None:
        if text in self._tones:
            return self._tones[text]
        close = difflib.get_close_matches(text, list(self._tones), n=1, cutoff=_SAME_LINE)
        return self._tones[close[0]] if close else None

    def _engine(self, shift: VoiceShift) -> OfflineTTS:
        factor = 2.0 ** (shift.semitones / 12.0)
        pace = min(max(round(self._voice.words_per_minute * shift.pace / factor), 80), 450)
        rate = round(self.sample_rate / factor)
        if (pace, rate) not in self._engines:
            voice = self._voice.model_copy(update={"words_per_minute": pace})
            self._engines[pace, rate] = voices.engine(voice.engine).build_tts(voice, rate)
        return self._engines[pace, rate]

    async def pcm_pieces(self, text: str) -> AsyncIterator[bytes]:
        shift = self.shift_for(text)
        if shift is None or shift.neutral:
            async for pcm in self._plain.pcm_pieces(text):
                yield pcm
            return
        gain = 10.0 ** (shift.gain_db / 20.0)
        async for pcm in self._engine(shift).pcm_pieces(text):
            samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64) * gain
            yield np.clip(np.round(samples), -32768, 32767).astype(np.int16).tobytes()
