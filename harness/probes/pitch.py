"""Pitch and level frame by frame: a YIN pitch tracker in plain numpy, and 10 ms frame levels.

YIN (de Cheveigné & Kawahara, 2002) finds each frame's period as the first dip of the cumulative
mean normalised difference function under a threshold; the dip's depth (its aperiodicity) says
how harmonic the frame is, which is the voicing decision. It is written here with FFT
correlations over the frames that have speech, rather than called from librosa: `librosa.yin`
gives the same periods but no voicing, and its first call compiles for 7-40 s on this kind of
machine (numba), which `crosstalk analyze` would pay on every run (benchmarks/prosody.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

REFERENCE_HZ = 100.0  # semitone figures are semitones above 100 Hz


@dataclass(frozen=True)
class PitchOptions:
    fmin_hz: float = 60.0
    fmax_hz: float = 450.0
    frame_s: float = 0.040  # the difference window: two periods of the lowest pitch, and more
    hop_s: float = 0.010
    threshold: float = 0.15  # YIN's absolute threshold on the normalised difference
    voiced_below: float = 0.35  # a frame whose best dip is deeper than this is voiced


def semitones(hz: np.ndarray | float) -> np.ndarray | float:
    """Semitones above REFERENCE_HZ."""
    return 12.0 * np.log2(np.asarray(hz) / REFERENCE_HZ)


def frame_levels_db(samples: np.ndarray, hop: int) -> np.ndarray:
    """Mean power of each whole `hop`-sample frame, in dB re full scale (a full-scale square
    wave is 0 dBFS); digital silence is -120."""
    count = len(samples) // hop
    frames = samples[: count * hop].astype(np.float64).reshape(count, hop)
    power = np.einsum("ij,ij->i", frames, frames) / hop
    return 10.0 * np.log10(power + 1e-12)


def _cmnd(blocks: np.ndarray, width: int, max_lag: int) -> np.ndarray:
    """The cumulative mean normalised difference d'(tau), tau = 0..max_lag, per block row."""
    size = 1 << int(np.ceil(np.log2(blocks.shape[1] + width)))
    head = np.fft.rfft(blocks[:, :width], size)
    whole = np.fft.rfft(blocks, size)
    correlation = np.fft.irfft(np.conj(head) * whole, size)[:, : max_lag + 1]
    energy = np.concatenate(
        [np.zeros((blocks.shape[0], 1)), np.cumsum(blocks * blocks, axis=1)], axis=1
    )
    lags = np.arange(max_lag + 1)
    window_energy = energy[:, lags + width] - energy[:, lags]  # sum of x^2 over [tau, tau+width)
    difference = np.maximum(window_energy[:, :1] + window_energy - 2.0 * correlation, 0.0)
    running = np.cumsum(difference[:, 1:], axis=1)
    normalised = np.ones_like(difference)
    normalised[:, 1:] = difference[:, 1:] * lags[1:] / np.maximum(running, 1e-12)
    return normalised


def _periods(normalised: np.ndarray, min_lag: int, threshold: float) -> tuple[np.ndarray, ...]:
    """Each row's period in samples (parabolic-interpolated) and the depth of its dip."""
    rows = np.arange(normalised.shape[0])
    search = normalised[:, min_lag:]
    under = search < threshold
    # the first dip under the threshold, followed down to its local minimum
    first = np.where(under.any(axis=1), under.argmax(axis=1), search.argmin(axis=1))
    lag = first.copy()
    for _ in range(search.shape[1]):
        following = search[rows, np.minimum(lag + 1, search.shape[1] - 1)]
        step = (lag + 1 < search.shape[1]) & (following < search[rows, lag])
        if not step.any():
            break
        lag = lag + step
    lag = lag + min_lag
    left = normalised[rows, np.maximum(lag - 1, 0)]
    centre = normalised[rows, lag]
    right = normalised[rows, np.minimum(lag + 1, normalised.shape[1] - 1)]
    curvature = left - 2.0 * centre + right
    offset = np.where(np.abs(curvature) > 1e-12, 0.5 * (left - right) / curvature, 0.0)
    return lag + np.clip(offset, -1.0, 1.0), centre


def track_pitch(
    samples: np.ndarray,
    sample_rate: int,
    frames: np.ndarray,
    options: PitchOptions | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """f0 in Hz and voicing of the hop frames listed in `frames` (indices at `hop_s`).

    Returns (f0, voiced), one value per listed frame; f0 is NaN where the frame is unvoiced."""
    options = options or PitchOptions()
    hop = max(1, round(options.hop_s * sample_rate))
    width = round(options.frame_s * sample_rate)
    max_lag = int(np.ceil(sample_rate / options.fmin_hz))
    min_lag = max(2, int(sample_rate / options.fmax_hz))
    frames = np.asarray(frames, dtype=int)
    if frames.size == 0:
        return np.empty(0), np.zeros(0, dtype=bool)
    padded = np.pad(samples.astype(np.float64), (0, width + max_lag + 1))
    offsets = np.arange(width + max_lag)[None, :]
    f0 = np.full(frames.size, np.nan)
    voiced = np.zeros(frames.size, dtype=bool)
    for low in range(0, frames.size, 512):  # bounded memory on long recordings
        part = slice(low, low + 512)
        normalised = _cmnd(padded[frames[part, None] * hop + offsets], width, max_lag)
        period, depth = _periods(normalised, min_lag, options.threshold)
        ok = (depth < options.voiced_below) & (period > min_lag - 1) & (period < max_lag)
        voiced[part] = ok
        f0[part] = np.where(ok, sample_rate / period, np.nan)
    return f0, voiced
