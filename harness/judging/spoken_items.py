"""Recordings for labelled items that ask for them: each turn spoken by espeak-ng as the item says.

A calibration item for an audio rubric needs a call to hear. A shipped item describes it instead
of carrying it: per turn, the voice's rate, pitch and intonation (0 is a monotone) and the
level it is played at, including trailing off (the level falling over the turn's second half).
The call is built as a stereo recording (caller left, agent right) with the turns in order, so
its tone labels hold by construction, and every machine builds the same one.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..backends.offline.espeak import EspeakEngine, EspeakVoice

RATE = 16_000
GAP_S = 0.6  # between turns
SPEECH_DBFS = -20.0  # a turn's level before its gain


class Delivery(BaseModel):
    """How one turn is spoken and played."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    words_per_minute: int = Field(165, ge=80, le=450)
    pitch: int = Field(50, ge=0, le=99)
    intonation: int = Field(50, ge=0, le=99, description="pitch range; 0 is a monotone")
    gain_db: float = Field(0.0, ge=-40, le=30, description="over -20 dBFS; loud enough clips")
    trail_off_db: float = Field(0.0, ge=0, le=60, description="level lost over the second half")


@dataclass(frozen=True)
class SpokenTurn:
    speaker: str
    text: str
    delivery: Delivery


def _speak(turn: SpokenTurn) -> np.ndarray:
    engine = EspeakEngine.shared()
    d = turn.delivery
    voice = EspeakVoice(words_per_minute=d.words_per_minute, pitch=d.pitch, intonation=d.intonation)
    pcm = np.frombuffer(engine.synthesize(turn.text, voice), np.int16).astype(np.float64) / 32768
    loud = np.flatnonzero(np.abs(pcm) > 10 ** (-40 / 20) * np.abs(pcm).max())
    pcm = pcm[loud[0] : loud[-1] + 1]
    target = np.arange(int(len(pcm) * RATE / engine.sample_rate)) * engine.sample_rate / RATE
    speech = np.interp(target, np.arange(len(pcm)), pcm)
    level = np.sqrt(np.mean(speech**2))
    speech *= 10 ** ((SPEECH_DBFS + d.gain_db) / 20) / level
    if d.trail_off_db:
        half = len(speech) // 2
        speech[half:] *= 10 ** (-np.linspace(0, d.trail_off_db, len(speech) - half) / 20)
    return np.clip(speech, -1.0, 1.0)


def build_recording(turns: list[SpokenTurn], path: Path) -> list[tuple[float, float]]:
    """Write the call to `path` (16-bit stereo WAV); each turn's (start_s, end_s) in it."""
    spoken = [_speak(turn) for turn in turns]
    times, position = [], GAP_S
    for speech in spoken:
        times.append((position, position + len(speech) / RATE))
        position += len(speech) / RATE + GAP_S
    samples = np.zeros((round(position * RATE), 2))
    for turn, speech, (start, _) in zip(turns, spoken, times, strict=True):
        first = round(start * RATE)
        samples[first : first + len(speech), 0 if turn.speaker == "caller" else 1] = speech
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((samples * 32767).astype("<i2").tobytes())
    return [(round(start, 3), round(end, 3)) for start, end in times]
