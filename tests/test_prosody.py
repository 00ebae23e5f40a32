"""Prosody figures against truth the tracker did not produce: signals built with a known f0
contour and gain, and espeak-ng voices whose settings change by a known amount."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from crosstalk_harness.backends import Voice, voices
from crosstalk_harness.backends.offline.espeak import EspeakEngine, EspeakVoice
from crosstalk_harness.backends.offline.toned import TonedTTS
from crosstalk_harness.backends.voices import VoiceShift
from crosstalk_harness.probes.prosody import (
    ProsodyOptions,
    TurnProsody,
    analyze_prosody,
    measure_turn,
)
from crosstalk_harness.probes.recording import StereoRecording

RATE = 16_000
SENTENCE = "Hello, I am calling about my order, it has not arrived yet and I am worried about it."


def voiced(f0_hz: np.ndarray, amplitude: float, seed: int = 0, snr_db: float = 25.0) -> np.ndarray:
    """A harmonic tone following `f0_hz` (one value per sample), 1/k harmonics, with white noise
    `snr_db` under it; scaled so its RMS is `amplitude`."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 9))
    noise = np.random.default_rng(seed).normal(0, 1, tone.size)
    noise *= np.sqrt(np.mean(tone**2) / np.mean(noise**2)) * 10 ** (-snr_db / 20)
    signal = tone + noise
    return signal * amplitude / np.sqrt(np.mean(signal**2))


def turn_of(samples: np.ndarray, rate: int = RATE, words: int | None = None) -> TurnProsody:
    padded = np.concatenate([np.zeros(rate // 2), samples, np.zeros(rate // 2)])
    span = ("caller", 0.0, len(padded) / rate)
    return measure_turn(padded, rate, span, words, 1, ProsodyOptions())


@pytest.mark.parametrize(
    ("base_hz", "swing_st", "level_dbfs"), [(110, 0.0, -20.0), (210, 4.0, -32.0), (95, 6.0, -12)]
)
def test_known_contour_and_gain_measure_within_a_semitone_and_a_decibel(
    base_hz: float, swing_st: float, level_dbfs: float
) -> None:
    t = np.arange(2 * RATE) / RATE
    contour = base_hz * 2 ** (swing_st * np.sin(2 * np.pi * 0.7 * t) / 12)
    turn = turn_of(voiced(contour, 10 ** (level_dbfs / 20)))
    truth_st = float(np.median(12 * np.log2(contour / 100)))
    assert turn.pitch_median_st is not None and turn.level_dbfs is not None
    assert abs(turn.pitch_median_st - truth_st) < 1.0
    assert abs(turn.level_dbfs - level_dbfs) < 1.0
    assert turn.voiced_s > 1.8


def test_a_gliding_tone_varies_and_a_steady_one_does_not() -> None:
    t = np.arange(2 * RATE) / RATE
    steady = turn_of(voiced(np.full(t.size, 150.0), 0.1))
    gliding = turn_of(voiced(150 * 2 ** (5 * np.sin(2 * np.pi * 0.8 * t) / 12), 0.1))
    assert steady.pitch_variation_st is not None and gliding.pitch_variation_st is not None
    assert steady.pitch_variation_st < 0.3 < 2.5 < gliding.pitch_variation_st
    assert gliding.pitch_range_st is not None and gliding.pitch_range_st > 6


def test_a_pause_inside_a_turn_and_a_trailing_off_are_found() -> None:
    tone = voiced(np.full(RATE, 140.0), 0.1)
    quiet_end = voiced(np.full(RATE // 2, 140.0), 0.1 * 10 ** (-12 / 20), seed=1)
    turn = turn_of(np.concatenate([tone, np.zeros(RATE * 4 // 10), tone, quiet_end]))
    assert turn.pauses.count == 1 and 0.35 <= turn.pauses.longest_s <= 0.45
    assert turn.trailing_off and turn.trailing_off_db is not None and turn.trailing_off_db > 6
    steady = turn_of(np.concatenate([tone, tone]))
    assert not steady.trailing_off and steady.pauses.count == 0


def espeak(pitch: int = 50, words_per_minute: int = 165, intonation: int = 50) -> TurnProsody:
    engine = EspeakEngine.shared()
    voice = EspeakVoice("en-us", words_per_minute, pitch, intonation)
    pcm = np.frombuffer(engine.synthesize(SENTENCE, voice), np.int16).astype(np.float32) / 32768
    return turn_of(pcm, engine.sample_rate, words=len(SENTENCE.split()))


def test_espeak_rate_change_of_20_percent_measures_within_10_percent() -> None:
    base, faster = espeak().wpm, espeak(words_per_minute=198).wpm
    assert base is not None and faster is not None
    assert abs(faster / base - 1.2) < 0.1 * 1.2


def test_espeak_flat_intonation_is_told_from_its_own_voice() -> None:
    flat, expressive = espeak(intonation=0), espeak()
    assert flat.pitch_variation_st is not None and expressive.pitch_variation_st is not None
    assert flat.pitch_variation_st < 1.0 < 1.5 < expressive.pitch_variation_st


def test_turns_and_side_summaries_from_a_two_channel_call() -> None:
    tone = voiced(np.full(RATE, 120.0), 0.05)
    gap = np.zeros(RATE)
    caller = np.concatenate([tone, gap, gap, tone * 2, gap, gap, tone * 4, gap])
    agent = np.concatenate([gap, tone, gap, gap, tone, gap, gap, tone])
    figures = analyze_prosody(StereoRecording(RATE, caller, agent))
    sides = [turn["side"] for turn in figures["turns"]]
    assert sides == ["caller", "agent"] * 3
    caller_summary = figures["sides"]["caller"]
    assert caller_summary["usable"] and 10 < caller_summary["level_trend_db"] < 14
    assert abs(figures["sides"]["agent"]["level_trend_db"]) < 0.5
    assert caller_summary["level_spread_db"] == pytest.approx(12.0, abs=1.0)


def test_a_clipped_or_silent_channel_is_unusable_with_its_reason() -> None:
    tone = np.concatenate([np.zeros(RATE), voiced(np.full(2 * RATE, 120.0), 0.5), np.zeros(RATE)])
    figures = analyze_prosody(StereoRecording(RATE, np.clip(tone * 4, -1, 1), np.zeros(tone.size)))
    assert figures["sides"]["caller"]["usable"] is False
    assert "clipped" in figures["sides"]["caller"]["unusable"]
    assert figures["sides"]["agent"]["unusable"] == "no speech on this channel"


def toned(engine: str, shift: VoiceShift, pitch: int = 50) -> TurnProsody:
    """SENTENCE spoken through the caller's toned TTS in `shift` (its real synthesis path)."""
    voice = Voice(engine=engine, pitch=pitch)
    plain = voices.engine(engine).build_tts(voice, RATE)
    tts = TonedTTS(plain, voice, {SENTENCE: shift})

    async def render() -> bytes:
        return b"".join([pcm async for pcm in tts.pcm_pieces(SENTENCE)])

    pcm = np.frombuffer(asyncio.run(render()), np.int16).astype(np.float32) / 32768
    return turn_of(pcm, RATE, words=len(SENTENCE.split()))


@pytest.mark.parametrize("engine", ["espeak", "piper"])
def test_a_two_semitone_shift_measures_as_two_and_keeps_the_pace(engine: str) -> None:
    base = toned(engine, VoiceShift())
    raised = toned(engine, VoiceShift(semitones=2.0, gain_db=-6.0))
    assert base.pitch_median_st is not None and raised.pitch_median_st is not None
    assert abs(raised.pitch_median_st - base.pitch_median_st - 2.0) <= 0.5
    assert base.level_dbfs is not None and raised.level_dbfs is not None
    assert abs(raised.level_dbfs - base.level_dbfs + 6.0) <= 1.0
    assert base.wpm is not None and raised.wpm is not None
    assert abs(raised.wpm / base.wpm - 1.0) < 0.1


def test_an_espeak_pace_of_1_2_measures_20_percent_faster_within_10_percent() -> None:
    """(Piper's own pace control moves less than asked: 20 % measures about 5 %; see
    benchmarks/README.md, so only espeak's is held to the rate here.)"""
    base, faster = toned("espeak", VoiceShift()), toned("espeak", VoiceShift(pace=1.2))
    assert base.wpm is not None and faster.wpm is not None
    assert abs(faster.wpm / base.wpm - 1.2) < 0.12


def test_pipers_own_pitch_setting_of_two_semitones_measures_as_two() -> None:
    base, raised = toned("piper", VoiceShift()), toned("piper", VoiceShift(), pitch=70)
    assert base.pitch_median_st is not None and raised.pitch_median_st is not None
    assert abs(raised.pitch_median_st - base.pitch_median_st - 2.0) <= 0.5
