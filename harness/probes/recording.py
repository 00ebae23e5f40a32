"""A call recording as two float channels, caller and agent: from one multi-channel file, or
from two mono files (one per side). Decoding (any format and rate) is `audiofile`'s job."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..audiofile import read_audio, to_rate
from ..errors import ConfigError


@dataclass(frozen=True)
class StereoRecording:
    sample_rate: int
    caller: np.ndarray
    agent: np.ndarray

    @property
    def duration_s(self) -> float:
        return len(self.caller) / self.sample_rate


def read_stereo(path: Path, caller_channel: int = 0, agent_channel: int = 1) -> StereoRecording:
    audio = read_audio(path)
    channels = audio.channel_count
    if channels < 2:
        raise ConfigError(
            f"{path}: the recording is mono; the probes need one channel per side",
            hint="give a stereo file, or one mono file per side: --caller A --agent B",
        )
    for name, index in (("--caller-channel", caller_channel), ("--agent-channel", agent_channel)):
        if not 0 <= index < channels:
            raise ConfigError(f"{path}: {name} {index} does not exist (the file has {channels})")
    return StereoRecording(
        audio.sample_rate,
        audio.channels[caller_channel].copy(),
        audio.channels[agent_channel].copy(),
    )


def read_pair(caller_path: Path, agent_path: Path) -> StereoRecording:
    """Two mono files on one timeline (both start at the call's start), at the higher rate."""
    sides = {}
    for flag, path in (("--caller", caller_path), ("--agent", agent_path)):
        audio = read_audio(path, flag)
        if audio.channel_count != 1:
            raise ConfigError(
                f"{path}: {flag} has {audio.channel_count} channels; give one mono file per side",
                hint="or pass a stereo file alone, with --caller-channel/--agent-channel",
            )
        sides[flag] = audio
    rate = max(audio.sample_rate for audio in sides.values())
    caller, agent = (to_rate(a.channels[0], a.sample_rate, rate) for a in sides.values())
    length = max(len(caller), len(agent))  # the shorter side was silent at the end
    caller, agent = (np.pad(side, (0, length - len(side))) for side in (caller, agent))
    return StereoRecording(rate, caller.astype(np.float32), agent.astype(np.float32))
