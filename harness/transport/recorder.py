"""The call recording: one stereo 16-bit WAV on the session clock, written as the call happens.

Channel 0 is the caller as the agent heard it, channel 1 the agent as the caller heard it. One
frame per channel per clock tick, so the file's length is the session's length by construction.
Audio is flushed to disk (header patched) every second, so a crashed call keeps its recording.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

_FLUSH_EVERY_FRAMES = 50


class StereoRecorder:
    def __init__(self, path: Path, sample_rate: int) -> None:
        self.path = path
        self.sample_rate = sample_rate
        self._wav = wave.open(str(path), "wb")  # noqa: SIM115 (open for the whole call)
        self._wav.setnchannels(2)
        self._wav.setsampwidth(2)
        self._wav.setframerate(sample_rate)
        self._pending: list[bytes] = []
        self.frames_written = 0

    def write(self, caller_pcm: bytes, agent_pcm: bytes) -> None:
        """Append one tick: both mono int16 buffers must have the same length."""
        stereo = np.empty(len(caller_pcm), dtype=np.int16)
        stereo[0::2] = np.frombuffer(caller_pcm, dtype=np.int16)
        stereo[1::2] = np.frombuffer(agent_pcm, dtype=np.int16)
        self._pending.append(stereo.tobytes())
        self.frames_written += 1
        if len(self._pending) >= _FLUSH_EVERY_FRAMES:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._wav.writeframes(b"".join(self._pending))
            self._pending.clear()

    def close(self) -> None:
        self._flush()
        self._wav.close()
