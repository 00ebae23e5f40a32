"""Telephone-line impairments applied on the live link, one 20 ms frame at a time.

Each impairment is a small stateful filter from one mono int16 frame to the next; a link
direction runs its chain on what the speaker sends, before the delay line, so the listener and
the recording both get the impaired audio. Everything is seeded, so a run is reproducible.
The noise loops are made in `noises`; the jitter buffer, which holds frames back, is in `jitter`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .noises import NoiseKind, noise_loop


class Impairment(Protocol):
    def process(self, frame: np.ndarray) -> np.ndarray:
        """One frame of float samples in [-1, 1] in, the impaired frame out (same length).

        An impairment that holds frames back (a jitter buffer) also says by how many frames, as
        `delay_frames`; the others have none.
        """


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0


@dataclass
class AdditiveNoise:
    """Background noise at `snr_db` below the speaker's active speech level.

    The speech level is tracked as the RMS of the frames that carry speech so far (frames more
    than 30 dB under the loudest seen are pauses); until speech is heard, -20 dBFS is assumed.
    The noise is a unit-RMS loop (see `noises`), so the SNR is against its long-term level.
    """

    kind: NoiseKind
    snr_db: float
    seed: int = 0
    sample_rate: int = 16_000
    _noise: np.ndarray = field(init=False)
    _position: int = field(init=False, default=0)
    _speech_energy: float = field(init=False, default=0.0)
    _speech_frames: int = field(init=False, default=0)
    _loudest: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._noise = noise_loop(self.kind, self.sample_rate, self.seed)

    def _speech_rms(self, frame: np.ndarray) -> float:
        level = _rms(frame)
        self._loudest = max(self._loudest, level)
        if level > 0 and level >= self._loudest * 10 ** (-30 / 20):
            self._speech_energy += level**2
            self._speech_frames += 1
        if not self._speech_frames:
            return 10 ** (-20 / 20)
        return float(np.sqrt(self._speech_energy / self._speech_frames))

    def process(self, frame: np.ndarray) -> np.ndarray:
        indices = (self._position + np.arange(frame.size)) % self._noise.size
        self._position = int(indices[-1] + 1) if frame.size else self._position
        noise_rms = self._speech_rms(frame) * 10 ** (-self.snr_db / 20)
        return frame + noise_rms * self._noise[indices]


def _lowpass_taps(cutoff_hz: float, rate: int, taps: int = 63) -> np.ndarray:
    n = np.arange(taps) - (taps - 1) / 2
    kernel = np.sinc(2 * cutoff_hz / rate * n) * np.hamming(taps)
    return kernel / kernel.sum()


def _bandpass_taps(low_hz: float, high_hz: float, rate: int, taps: int = 127) -> np.ndarray:
    return _lowpass_taps(high_hz, rate, taps) - _lowpass_taps(low_hz, rate, taps)


class _StreamingFir:
    """An FIR filter over a stream of frames (keeps the tail of the previous input)."""

    def __init__(self, taps: np.ndarray) -> None:
        self.taps = taps
        self._history = np.zeros(len(taps) - 1)

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        joined = np.concatenate([self._history, frame])
        self._history = joined[-(len(self.taps) - 1) :]
        return np.convolve(joined, self.taps, mode="valid")


def mu_law_round_trip(samples: np.ndarray) -> np.ndarray:
    """G.711 mu-law: compress to 8 bits and expand again (mu = 255)."""
    mu = 255.0
    clipped = np.clip(samples, -1.0, 1.0)
    compressed = np.sign(clipped) * np.log1p(mu * np.abs(clipped)) / np.log1p(mu)
    code = np.round((compressed + 1) / 2 * 255)
    decoded = code / 255 * 2 - 1
    return np.sign(decoded) * np.expm1(np.abs(decoded) * np.log1p(mu)) / mu


class TelephoneBand:
    """A narrowband phone line: 8 kHz sampling, 300-3400 Hz band and G.711 mu-law."""

    PHONE_RATE = 8_000

    def __init__(self, sample_rate: int) -> None:
        if sample_rate % self.PHONE_RATE:
            raise ValueError(f"the telephone band needs a multiple of 8 kHz, not {sample_rate}")
        self.factor = sample_rate // self.PHONE_RATE
        # anti-aliasing/anti-imaging filters as sharp at any rate: taps grow with the rate
        taps = 64 * self.factor + 1
        resample = _lowpass_taps(3700, sample_rate, taps) if self.factor > 1 else None
        self._down = _StreamingFir(resample) if resample is not None else None
        self._band = _StreamingFir(_bandpass_taps(300, 3400, self.PHONE_RATE))
        self._up = _StreamingFir(resample) if resample is not None else None

    def process(self, frame: np.ndarray) -> np.ndarray:
        narrow = self._down(frame)[:: self.factor] if self._down else frame
        narrow = mu_law_round_trip(self._band(narrow))
        if not self._up:
            return narrow
        stuffed = np.zeros(narrow.size * self.factor)
        stuffed[:: self.factor] = narrow * self.factor
        return self._up(stuffed)


@dataclass
class PacketLoss:
    """Frames lost in bursts (a Gilbert-Elliott model); a lost frame is heard as silence."""

    percent: float
    mean_burst_frames: float = 1.0
    seed: int = 0
    _rng: np.random.Generator = field(init=False)
    _in_burst: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)
        rate = self.percent / 100
        self._leave_burst = 1 / max(self.mean_burst_frames, 1.0)
        self._enter_burst = rate * self._leave_burst / (1 - rate) if rate < 1 else 1.0

    def process(self, frame: np.ndarray) -> np.ndarray:
        threshold = (1 - self._leave_burst) if self._in_burst else self._enter_burst
        self._in_burst = bool(self._rng.random() < threshold)
        return np.zeros_like(frame) if self._in_burst else frame


class ImpairmentChain:
    """Impairments in order over int16 PCM frames, as the link carries them."""

    def __init__(self, impairments: list[Impairment]) -> None:
        self.impairments = impairments
        self.delay_frames = sum(getattr(each, "delay_frames", 0) for each in impairments)

    def __call__(self, pcm: bytes) -> bytes:
        samples = np.frombuffer(pcm, np.int16).astype(np.float64) / 32768
        for impairment in self.impairments:
            samples = impairment.process(samples)
        return (np.clip(samples, -1, 32767 / 32768) * 32768).astype(np.int16).tobytes()
