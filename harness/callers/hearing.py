"""What a simulated caller hears: whether the other side is talking, from the live audio itself.

A person knows the agent has started or stopped talking by listening, not from the agent's
internals, so this works on the frames the caller's input receives: a frame is speech when its
level is well above the line's noise floor (tracked as a slow minimum, so noise on the line is
not taken for speech), and a turn ends after `hangover_s` without speech.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from livekit import rtc

SpeechCallback = Callable[[float], None]

_SILENCE_DBFS = -90.0
_MIN_SPEECH_DBFS = -50.0
_ABOVE_FLOOR_DB = 12.0
_FLOOR_RISE_DB_PER_S = 3.0


def frame_dbfs(frame: rtc.AudioFrame) -> float:
    # one dot product: this runs on the loop for every frame the caller hears, three times
    samples = np.frombuffer(frame.data, dtype=np.int16).astype(np.float32)
    if samples.size == 0:
        return _SILENCE_DBFS
    rms = math.sqrt(float(np.dot(samples, samples)) / samples.size) / 32768.0
    return 20 * math.log10(rms) if rms > 1e-9 else _SILENCE_DBFS


@dataclass
class LevelGate:
    """Speech or not, frame by frame: the level well above the line's noise floor.

    The floor starts at the first frame's level (a line that opens with noise has that noise as
    its floor, not speech for the many seconds a floor rising from silence would take)."""

    floor_dbfs: float | None = None

    def is_speech(self, frame: rtc.AudioFrame) -> bool:
        level = frame_dbfs(frame)
        if self.floor_dbfs is None or level < self.floor_dbfs:
            self.floor_dbfs = level
        else:
            self.floor_dbfs += _FLOOR_RISE_DB_PER_S * frame.samples_per_channel / frame.sample_rate
        return level > max(_MIN_SPEECH_DBFS, self.floor_dbfs + _ABOVE_FLOOR_DB)


@dataclass
class HeardSpeech:
    """The other side's speech as heard; callbacks run on the event loop, so keep them light."""

    hangover_s: float = 0.3
    on_start: list[SpeechCallback] = field(default_factory=list)
    on_end: list[SpeechCallback] = field(default_factory=list)
    speaking: bool = False
    started_at: float | None = None
    last_speech_at: float | None = None
    ended_at: float | None = None
    _gate: LevelGate = field(default_factory=LevelGate)

    def on_frame(self, heard_until_s: float, frame: rtc.AudioFrame) -> None:
        frame_s = frame.samples_per_channel / frame.sample_rate
        if self._gate.is_speech(frame):
            self.last_speech_at = heard_until_s
            if not self.speaking:
                self.speaking = True
                self.started_at = heard_until_s - frame_s
                for callback in self.on_start:
                    callback(self.started_at)
        elif (
            self.speaking
            and self.last_speech_at is not None
            and heard_until_s - self.last_speech_at >= self.hangover_s
        ):
            self.speaking = False
            self.ended_at = self.last_speech_at
            for callback in self.on_end:
                callback(self.ended_at)

    def speaking_for_s(self, now_s: float) -> float:
        return now_s - self.started_at if self.speaking and self.started_at is not None else 0.0
