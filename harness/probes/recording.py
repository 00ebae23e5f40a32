"""Read a stereo PCM WAV into float channels, with one-line errors for anything else."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ConfigError


@dataclass(frozen=True)
class StereoRecording:
    sample_rate: int
    caller: np.ndarray
    agent: np.ndarray

    @property
    def duration_s(self) -> float:
        return len(self.caller) / self.sample_rate


def _decode(raw: bytes, sample_width: int) -> np.ndarray:
    if sample_width == 1:
        return (np.frombuffer(raw, np.uint8).astype(np.float32) - 128) / 128
    if sample_width == 2:
        return np.frombuffer(raw, "<i2").astype(np.float32) / 32768
    if sample_width == 3:
        bytes3 = np.frombuffer(raw, np.uint8).reshape(-1, 3)
        values = bytes3[:, 0].astype(np.int32) | (bytes3[:, 1].astype(np.int32) << 8)
        values |= bytes3[:, 2].astype(np.int8).astype(np.int32) << 16
        return values.astype(np.float32) / 2**23
    return np.frombuffer(raw, "<i4").astype(np.float32) / 2**31


def read_stereo(path: Path, caller_channel: int = 0, agent_channel: int = 1) -> StereoRecording:
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            raw = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError, OSError) as exc:
        raise ConfigError(
            f"{path}: unreadable audio ({exc})",
            hint="crosstalk reads PCM WAV files; convert others first, e.g. with sox or ffmpeg",
        ) from None
    if channels < 2:
        raise ConfigError(
            f"{path}: the recording is mono; the probes need one channel per side (stereo)"
        )
    for name, index in (("--caller-channel", caller_channel), ("--agent-channel", agent_channel)):
        if not 0 <= index < channels:
            raise ConfigError(f"{path}: {name} {index} does not exist (the file has {channels})")
    samples = _decode(raw, width).reshape(-1, channels)
    return StereoRecording(
        rate, samples[:, caller_channel].copy(), samples[:, agent_channel].copy()
    )
