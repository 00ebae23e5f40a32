"""Background-noise loops for the link (white, pink, babble, street, office), made from a seed.

Nothing is downloaded or shipped: every loop is synthesised here, is unit RMS over its whole
length (the level `AdditiveNoise` scales to an SNR) and repeats seamlessly.

- babble: 5-7 talkers at once. Their speech is real speech-like audio from the project's
  offline TTS (espeak-ng, eight voice/pitch/rate settings, each reading a few everyday
  sentences), synthesised once per process and sample rate (~0.1 s) and kept in memory; the seed
  picks the talkers, their levels and where each one starts.
- street: low traffic rumble, vehicles passing every few seconds (a pass-by swell with a
  Doppler-shifted engine note) and the occasional two-tone horn.
- office: HVAC (mains hum and fan noise), a quiet murmur of distant talkers (babble, low-passed)
  and keyboard typing in bursts of clicks.

These kinds are not stationary: the level over a few seconds swells and dips as the sounds they
name do, and the SNR refers to the loop's long-term level.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Literal

import numpy as np

NoiseKind = Literal["white", "pink", "babble", "street", "office"]

WHITE_PINK_LOOP_SAMPLES = 2**18  # ~16 s at 16 kHz; long enough that the loop is not heard
LOOP_SECONDS = 12

_TALKERS = (  # (espeak-ng voice, words per minute, pitch 0-99)
    ("en-us", 165, 40),
    ("en-us+f3", 175, 62),
    ("en+m3", 150, 28),
    ("en-gb-x-rp+f2", 182, 72),
    ("en-gb-scotland", 158, 45),
    ("en-029", 170, 55),
    ("en-us+f5", 160, 66),
    ("en-gb-x-rp", 145, 34),
)
_SENTENCES = (
    "Did you see the email about the meeting on Thursday afternoon?",
    "I think we should order more paper before the end of the month.",
    "She said the train was late again, so she took a taxi instead.",
    "Can you send me the numbers when you get a minute?",
    "We went to that new place on the corner and the food was really good.",
    "No, the other one, the blue folder on the top shelf.",
    "He is calling back after lunch to talk about the contract.",
    "Honestly I have no idea where the keys went this morning.",
)


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def _unit(samples: np.ndarray) -> np.ndarray:
    return samples / _rms(samples)


def _shaped(
    white: np.ndarray, sample_rate: int, gain: Callable[[np.ndarray], np.ndarray]
) -> np.ndarray:
    """`white` filtered in the frequency domain by `gain(frequency_hz)` (circular, so it loops)."""
    spectrum = np.fft.rfft(white)
    spectrum *= gain(np.fft.rfftfreq(white.size, 1 / sample_rate))
    return np.fft.irfft(spectrum, n=white.size)


def _lowpass(corner_hz: float, order: int = 2) -> Callable[[np.ndarray], np.ndarray]:
    return lambda f: 1 / np.sqrt(1 + (f / corner_hz) ** (2 * order))


def _highpass(corner_hz: float, order: int = 2) -> Callable[[np.ndarray], np.ndarray]:
    return lambda f: 1 / np.sqrt(1 + (corner_hz / np.maximum(f, 1e-9)) ** (2 * order))


def _resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling in the frequency domain (for one-off loops, not streams).

    The input is padded with silence to whole seconds: both FFT lengths are then products of
    small primes (fast), and the output length is exact.
    """
    if from_rate == to_rate:
        return samples
    samples = np.pad(samples, (0, -samples.size % from_rate))
    size = samples.size // from_rate * to_rate
    spectrum = np.fft.rfft(samples)
    resized = np.zeros(size // 2 + 1, dtype=complex)
    keep = min(resized.size, spectrum.size)
    resized[:keep] = spectrum[:keep]
    return np.fft.irfft(resized, n=size) * size / samples.size


def _add_circular(loop: np.ndarray, start: int, sound: np.ndarray) -> None:
    loop[(start + np.arange(sound.size)) % loop.size] += sound


def _white_or_pink(kind: NoiseKind, rng: np.random.Generator) -> np.ndarray:
    white = rng.standard_normal(WHITE_PINK_LOOP_SAMPLES)
    if kind == "pink":
        spectrum = np.fft.rfft(white)
        spectrum[1:] /= np.sqrt(np.arange(1, spectrum.size))
        spectrum[0] = 0
        white = np.fft.irfft(spectrum, n=WHITE_PINK_LOOP_SAMPLES)
    return _unit(white)


@lru_cache(maxsize=4)
def _talker_streams(sample_rate: int) -> tuple[np.ndarray, ...]:
    """Each talker reading four sentences, at `sample_rate`, unit RMS (synthesised once)."""
    from ..backends.offline.espeak import EspeakEngine, EspeakVoice

    engine = EspeakEngine.shared()
    streams = []
    for index, (voice, words_per_minute, pitch) in enumerate(_TALKERS):
        text = " ".join(_SENTENCES[(index + k) % len(_SENTENCES)] for k in range(4))
        pcm = engine.synthesize(text, EspeakVoice(voice, words_per_minute, pitch))
        speech = np.frombuffer(pcm, np.int16).astype(np.float64)
        streams.append(_unit(_resample(speech, engine.sample_rate, sample_rate)))
    return tuple(streams)


def _babble(size: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    streams = _talker_streams(sample_rate)
    talkers = rng.choice(len(streams), size=int(rng.integers(5, 8)), replace=False)
    loop = np.zeros(size)
    for talker in talkers:
        stream = streams[talker]
        start = int(rng.integers(stream.size))
        gain = 10 ** (rng.uniform(-4, 2) / 20)
        loop += gain * stream[(start + np.arange(size)) % stream.size]
    return _unit(loop)


def _vehicle(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """One pass-by: tyre/engine noise and an engine note, 1/distance loud, Doppler-shifted."""
    closest_s = rng.uniform(0.35, 0.8)  # closest distance over speed
    half_size = round(5 * closest_s * 10) * sample_rate // 10  # whole tenths: a fast FFT size
    t = np.arange(-half_size, half_size) / sample_rate
    x = t / closest_s
    envelope = 1 / np.sqrt(1 + x**2) * np.hanning(t.size) ** 0.25
    tyres = _unit(_shaped(rng.standard_normal(t.size), sample_rate, _lowpass(250)))
    engine_hz = rng.uniform(35, 70) * (1 - 0.05 * np.tanh(x))  # higher approaching, lower after
    phase = 2 * np.pi * np.cumsum(engine_hz) / sample_rate
    engine = sum(np.sin(k * phase) / k for k in range(1, 7))
    return rng.uniform(3.0, 5.0) * envelope * (tyres + 0.8 * _unit(engine))


def _horn(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A dual-tone car horn (a major third near 400/500 Hz), brassy, one or two blasts."""
    blast_s = rng.uniform(0.25, 0.6)
    t = np.arange(int(blast_s * sample_rate)) / sample_rate
    low_hz = rng.uniform(370, 410)
    tone = sum(
        (np.sin(2 * np.pi * k * low_hz * t) + np.sin(2 * np.pi * k * 1.25 * low_hz * t)) / k
        for k in range(1, 6)
    )
    ramp = np.minimum(1, np.minimum(t, t[-1] - t) / 0.01)
    blast = _unit(tone) * ramp
    if rng.random() < 0.5:
        blast = np.concatenate([blast, np.zeros(int(0.12 * sample_rate)), blast])
    return rng.uniform(0.8, 1.2) * blast


def _street(size: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    rumble = _shaped(
        rng.standard_normal(size),
        sample_rate,
        lambda f: _lowpass(120)(f) * _highpass(25)(f),
    )
    slow = _shaped(rng.standard_normal(size), sample_rate, _lowpass(0.15, 4))
    loop = _unit(rumble) * (1 + 0.25 * _unit(slow))
    seconds = size / sample_rate
    vehicles = max(2, round(seconds / 3))
    for index in range(vehicles):  # spread out, so every few seconds carries one
        passing = _vehicle(sample_rate, rng)
        closest = (index + rng.uniform(0.2, 0.8)) * size / vehicles
        _add_circular(loop, int(closest) - passing.size // 2, passing)
    for _ in range(1 + int(rng.random() < 0.5)):
        _add_circular(loop, int(rng.integers(size)), _horn(sample_rate, rng))
    return _unit(loop)


def _keystroke(sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """A key press: a sharp broadband tick with a plastic ring, then a softer release tick."""
    t = np.arange(int(0.012 * sample_rate)) / sample_rate
    ring_hz = rng.uniform(1800, 3500)
    press = rng.standard_normal(t.size) * np.exp(-t / 0.0012)
    press += 0.6 * np.sin(2 * np.pi * ring_hz * t) * np.exp(-t / 0.003)
    release_at = int(rng.uniform(0.06, 0.1) * sample_rate)
    click = np.zeros(release_at + t.size)
    click[: t.size] += press
    click[release_at:] += 0.4 * rng.uniform(0.6, 1.0) * press
    return click / np.max(np.abs(click))


def _typing(size: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    """Bursts of 1-4 s of typing at 5-9 keys a second, with pauses between them."""
    loop = np.zeros(size)
    at = rng.uniform(0.3, 1.5) * sample_rate
    while at < size:
        burst_end = at + rng.uniform(1, 4) * sample_rate
        keys_per_s = rng.uniform(5, 9)
        while at < min(burst_end, size):
            _add_circular(loop, int(at), rng.uniform(0.5, 1.0) * _keystroke(sample_rate, rng))
            at += rng.uniform(0.5, 1.5) / keys_per_s * sample_rate
        at += rng.uniform(1, 4) * sample_rate
    return loop


def _office(size: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(size) / sample_rate
    mains_hz = rng.choice([50.0, 60.0])
    hum = sum(
        amplitude * np.sin(2 * np.pi * k * mains_hz * t + rng.uniform(0, 2 * np.pi))
        for k, amplitude in ((1, 1.0), (2, 0.5), (3, 0.25))
    )
    fan = _shaped(rng.standard_normal(size), sample_rate, _lowpass(600))
    murmur = _shaped(_babble(size, sample_rate, rng), sample_rate, _lowpass(900, 3))
    room = 0.5 * _unit(hum) + _unit(fan) + 0.7 * _unit(murmur)
    return _unit(0.05 * _unit(room) + 0.9 * _typing(size, sample_rate, rng))


_GENERATORS: dict[str, Callable[[int, int, np.random.Generator], np.ndarray]] = {
    "babble": _babble,
    "street": _street,
    "office": _office,
}


def noise_loop(kind: NoiseKind, sample_rate: int, seed: int) -> np.ndarray:
    """A unit-RMS loop of `kind` noise at `sample_rate`, the same for the same seed."""
    rng = np.random.default_rng(seed)
    if kind in ("white", "pink"):
        return _white_or_pink(kind, rng)
    return _GENERATORS[kind](LOOP_SECONDS * sample_rate, sample_rate, rng)
