"""Offline text-to-speech: a Piper neural voice from a package, as a livekit-agents TTS plugin.

The voice model runs in an onnxruntime session built here with one thread (Piper's own loader
uses every core, which would starve the audio clock and the other side). With both noise scales
at zero, synthesis is a pure function of the text and the voice settings: a scripted caller's
audio is byte-identical from run to run. Each clause (a sentence, or its part up to a comma) is
synthesised on its own and pushed as soon as it is ready, its edges trimmed to a fixed pad (the
model leaves up to half a second of silence before some sentences) and followed by a pause of
our own. Variety between speakers
comes from speed and a resample pitch shift: the model speaks more slowly by the shift's
factor, and playing that back faster raises the pitch and restores the pace without the
phase-vocoder smearing of a time-stretching pitch shifter.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime
from piper import PiperVoice
from piper.config import PiperConfig, SynthesisConfig

from ..voices import DEFAULT_PIPER_MODEL, Voice, find_piper_model
from .batch import run_batch
from .synthesis import OfflineTTS, resample_utterance, source_digest, voice_field_checked
from .synthesis import __file__ as synthesis_file

NATURAL_WORDS_PER_MINUTE = 185  # the joe voice's own pace at length_scale 1 (hearing set)
SEMITONES_PER_PITCH_STEP = 0.1  # voice.pitch 50 is the model's own pitch; 60 is a semitone up
LEAD_PAD_S = 0.02  # silence kept before the first loud sample of a sentence
TAIL_PAD_S = 0.03  # and after the last one
# Our own pauses: after each sentence (livekit synthesises one sentence a call) and after each
# clause (a comma, colon or semicolon). The model's own comma pause runs to 0.35 s, long enough
# for an agent listening for 0.3 s of silence to take the turn mid-sentence; with the pads these
# stay well under that.
SENTENCE_PAUSE_S = 0.15
CLAUSE_PAUSE_S = 0.1
_CLAUSE_ENDS = (",", ":", ";")
PEAK = 0.6  # the model normalises each sentence to full scale; this leaves telephone headroom
_IDENTIFIER = re.compile(r"\b\d{4,}\b")
_EDGE_WINDOW_S = 0.005
_EDGE_THRESHOLD_DB = -40.0  # a window this far below the sentence's loudest counts as silence


@dataclass(frozen=True)
class PiperSettings:
    """How one side sounds in Piper: the model file, its pace and a pitch shift in semitones."""

    model: Path
    words_per_minute: int = NATURAL_WORDS_PER_MINUTE
    semitones: float = 0.0

    @classmethod
    def of(cls, voice: Voice) -> PiperSettings:
        """From a side's voice: its model name or .onnx path, pace and 0-99 pitch (50: natural)."""
        semitones = (voice.pitch - 50) * SEMITONES_PER_PITCH_STEP
        return cls(find_piper_model(voice.piper), voice.words_per_minute, semitones)

    @property
    def shift_factor(self) -> float:
        return float(2.0 ** (self.semitones / 12.0))


class _PiperModel:
    """One voice model loaded once per process; `render` is blocking and thread-safe."""

    _loaded: dict[Path, _PiperModel] = {}
    _loaded_lock = threading.Lock()

    def __init__(self, path: Path) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        session = onnxruntime.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        config = PiperConfig.from_dict(json.loads(Path(f"{path}.json").read_text("utf-8")))
        self.voice = PiperVoice(session=session, config=config)
        self.sample_rate = config.sample_rate
        self.length_scale = config.length_scale

    @classmethod
    def shared(cls, path: Path) -> _PiperModel:
        with cls._loaded_lock:
            if path not in cls._loaded:
                cls._loaded[path] = cls(path)
            return cls._loaded[path]

    def clauses(self, text: str) -> list[tuple[list[str], float]]:
        """The phonemes of each clause of `text`, with the pause that follows it."""
        pieces: list[tuple[list[str], float]] = []
        for sentence in self.voice.phonemize(speakable(text)):
            clause: list[str] = []
            for phoneme in sentence:
                clause.append(phoneme)
                if phoneme in _CLAUSE_ENDS:
                    pieces.append((clause, CLAUSE_PAUSE_S))
                    clause = []
            if any(phoneme.strip() for phoneme in clause):
                pieces.append((clause, SENTENCE_PAUSE_S))
            elif pieces:
                pieces[-1] = (pieces[-1][0], SENTENCE_PAUSE_S)
        return pieces

    def render(
        self, phonemes: list[str], settings: PiperSettings, rate: int, pause_s: float
    ) -> bytes:
        """One clause as 16-bit mono PCM at `rate`: trimmed, paced, pitch-shifted, then paused."""
        factor = settings.shift_factor
        length_scale = (
            self.length_scale * NATURAL_WORDS_PER_MINUTE / settings.words_per_minute * factor
        )
        synthesis = SynthesisConfig(
            length_scale=length_scale, noise_scale=0.0, noise_w_scale=0.0, normalize_audio=False
        )
        audio = self.voice.phoneme_ids_to_audio(self.voice.phonemes_to_ids(phonemes), synthesis)
        speech = trim_to_pad(np.asarray(audio, dtype=np.float64), self.sample_rate * factor)
        peak = float(np.max(np.abs(speech))) if speech.size else 0.0
        pcm = np.round(speech * (PEAK * 32767 / peak if peak > 1e-8 else 0.0)).astype(np.int16)
        shifted = resample_utterance(pcm.tobytes(), round(self.sample_rate * factor), rate)
        return shifted + bytes(2 * round(pause_s * rate))


def speakable(text: str) -> str:
    """Long digit strings (order ids, phone numbers) read digit by digit, as people read them."""
    return _IDENTIFIER.sub(lambda match: " ".join(match.group()), text)


def trim_to_pad(samples: np.ndarray, rate: float) -> np.ndarray:
    """`samples` cut to `LEAD_PAD_S` before the first loud window, `TAIL_PAD_S` after the last."""
    window = max(1, round(_EDGE_WINDOW_S * rate))
    usable = samples.size - samples.size % window
    if usable == 0:
        return samples[:0]
    energy = np.sqrt(np.mean(samples[:usable].reshape(-1, window) ** 2, axis=1))
    loud = np.flatnonzero(energy > energy.max() * 10 ** (_EDGE_THRESHOLD_DB / 20))
    if energy.max() <= 0 or loud.size == 0:
        return samples[:0]
    start, end = loud[0] * window, (loud[-1] + 1) * window
    lead, tail = round(LEAD_PAD_S * rate), round(TAIL_PAD_S * rate)
    speech = samples[start:end]
    return np.concatenate([np.zeros(lead), speech, np.zeros(tail)])


def warm_up() -> None:
    """Load the default model and the phonemizer and run them once, before any session clock."""
    settings = PiperSettings(find_piper_model(DEFAULT_PIPER_MODEL))
    model = _PiperModel.shared(settings.model)
    for phonemes, pause_s in model.clauses("Hello, there."):
        model.render(phonemes, settings, model.sample_rate, pause_s)


def build_tts(voice: Voice, sample_rate: int | None = None) -> PiperTTS:
    """The TTS for a side's `voice` (`ConfigError` naming the field if its model is missing)."""
    return voice_field_checked(
        "piper",
        "leave `piper:` out for the shipped voice",
        lambda: PiperTTS(PiperSettings.of(voice), sample_rate),
    )


class PiperTTS(OfflineTTS):
    """A livekit-agents TTS speaking with a Piper voice, offline, first audio per sentence."""

    provider_name = "piper"

    def __init__(self, settings: PiperSettings, sample_rate: int | None = None) -> None:
        """`sample_rate`: deliver audio at this rate (resampled here, deterministically)."""
        model = _PiperModel.shared(settings.model)
        super().__init__(model.sample_rate, sample_rate)
        self._model = model
        self.settings = settings

    @property
    def model(self) -> str:
        return f"piper:{self.settings.model.stem}"

    def identity(self) -> str:
        model = self.settings.model
        code = source_digest(__file__, synthesis_file)
        return f"piper {code} {model} {model.stat().st_size} {self.settings}"

    async def pcm_pieces(self, text: str) -> AsyncIterator[bytes]:
        """Clause by clause, each pushed as soon as it is rendered."""
        model, rate = self._model, self.sample_rate
        for phonemes, pause_s in await run_batch(model.clauses, text):
            yield await run_batch(model.render, phonemes, self.settings, rate, pause_s)
