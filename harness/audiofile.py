"""Read call recordings (WAV, FLAC, OGG/Vorbis or Opus, MP3; any rate, any channel count) into
float channels through librosa, with a one-line, file-named error for anything it cannot decode.

librosa decodes through soundfile's bundled libsndfile (>= 1.1 reads Opus and MP3), so no
system package is needed; the analyzer and the `replay` caller both read audio here.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError

FORMATS = "WAV, FLAC, OGG (Vorbis or Opus) or MP3"


@dataclass(frozen=True)
class AudioFile:
    sample_rate: int
    channels: np.ndarray  # float32, shape (channel count, samples), values in [-1, 1]

    @property
    def channel_count(self) -> int:
        return int(self.channels.shape[0])


def read_audio(path: Path, what: str = "") -> AudioFile:
    """Decode `path` at its own rate; `what` names the setting or flag that gave the path."""
    import librosa  # heavy import (numba): only when a file is actually read

    label = f"{path}: {what}:" if what else f"{path}:"
    if not path.is_file():
        raise ConfigError(f"{label} no such file")
    try:
        with warnings.catch_warnings():
            # librosa warns before falling back to audioread; the error below says it all.
            warnings.simplefilter("ignore")
            samples, rate = librosa.load(path, sr=None, mono=False, dtype=np.float32)
    except Exception as exc:  # every decoder failure (soundfile, audioread) is one user error
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"{label} not a readable {FORMATS} file ({reason})",
            hint="convert it first, e.g. `ffmpeg -i IN -ar 16000 OUT.wav`",
        ) from None
    channels = samples[np.newaxis, :] if samples.ndim == 1 else samples
    if channels.shape[-1] == 0:
        raise ConfigError(f"{label} the file holds no audio")
    return AudioFile(int(rate), np.ascontiguousarray(channels))


def to_rate(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """One channel at `target` Hz (unchanged when it is there already)."""
    if rate == target:
        return samples
    import librosa

    return librosa.resample(samples, orig_sr=rate, target_sr=target, res_type="soxr_hq")
