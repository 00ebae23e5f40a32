"""Speech edges at a faint lead-in: a breath before the voice is not speech, a weak unvoiced
consonant is. Constructed signals: a voiced sound (harmonics of 120 Hz) led in by 60 ms of noise
25-28 dB under it, dark like a breath (energy below 1.5 kHz) or bright like /f/, /θ/ or /h/
(energy above 2.5 kHz), over a quiet line. The same signals reversed test the end edge."""

from __future__ import annotations

import numpy as np
import pytest
from crosstalk_harness.probes.activity import speech_segments
from scipy.signal import butter, sosfilt

RATE = 16_000
VOICE_AT_S = 0.500
LEAD_S = 0.060


def _voice(seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    voice = sum((0.6**k) * np.sin(2 * np.pi * 120 * k * t) for k in range(1, 8))
    return 0.2 * voice / np.sqrt(np.mean(voice**2))


def _noise(kind: str, seconds: float, rng: np.random.Generator) -> np.ndarray:
    white = rng.normal(0, 1, round(seconds * RATE))
    if kind == "breath":
        shaped = sosfilt(butter(4, 1500, "lowpass", fs=RATE, output="sos"), white)
    else:
        shaped = sosfilt(butter(4, 2500, "highpass", fs=RATE, output="sos"), white)
    return shaped / np.sqrt(np.mean(shaped**2))


def _utterance(lead: str, below_db: float, seed: int = 0) -> tuple[np.ndarray, int, int]:
    """A 2 s track: quiet line, `lead` noise `below_db` under the voice, then the voice. Returns
    the track, the lead-in's first sample and the voice's first sample."""
    rng = np.random.default_rng(seed)
    track = rng.normal(0, 0.2 * 10 ** (-60 / 20), 2 * RATE)
    voice_at, lead_at = round(VOICE_AT_S * RATE), round((VOICE_AT_S - LEAD_S) * RATE)
    track[lead_at:voice_at] += 0.2 * 10 ** (-below_db / 20) * _noise(lead, LEAD_S, rng)
    voice = _voice(0.8)
    track[voice_at : voice_at + len(voice)] += voice
    return track.astype(np.float32), lead_at, voice_at


def _only_segment(track: np.ndarray) -> tuple[int, int]:
    segments = speech_segments(track, RATE)
    assert len(segments) == 1, segments
    return segments[0]


@pytest.mark.parametrize("below_db", [22.0, 25.0, 28.0])
def test_a_breath_before_the_voice_is_not_speech(below_db):
    track, _, voice_at = _utterance("breath", below_db)
    start, _ = _only_segment(track)
    assert abs(start - voice_at) <= 0.003 * RATE, (start - voice_at) / RATE


@pytest.mark.parametrize("below_db", [22.0, 25.0, 28.0])
def test_a_weak_unvoiced_consonant_before_the_voice_is_speech(below_db):
    track, lead_at, _ = _utterance("consonant", below_db)
    start, _ = _only_segment(track)
    assert abs(start - lead_at) <= 0.003 * RATE, (start - lead_at) / RATE


def test_a_breath_after_the_voice_is_not_speech_and_a_final_consonant_is():
    breath, _, voice_at = _utterance("breath", 25.0)
    consonant, lead_at, _ = _utterance("consonant", 25.0)
    _, breath_end = _only_segment(breath[::-1].copy())
    _, consonant_end = _only_segment(consonant[::-1].copy())
    assert abs(breath_end - (len(breath) - voice_at)) <= 0.003 * RATE
    assert abs(consonant_end - (len(consonant) - lead_at)) <= 0.003 * RATE


def test_the_voice_alone_keeps_its_edges():
    track, _, voice_at = _utterance("breath", 120.0)
    start, end = _only_segment(track)
    assert abs(start - voice_at) <= 0.002 * RATE
    assert abs(end - (voice_at + round(0.8 * RATE))) <= 0.002 * RATE
