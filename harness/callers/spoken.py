"""A caller line as it is spoken: its words in parts with silences between, and asides' sound.

A script line's `{pause}` markers and the persona's hesitations become `SpokenLine.parts`: the
caller says the parts as one turn and goes quiet for each part's pause in between, over the
live audio (`assemble`). An aside (a line said to someone else in the room) is quieter and
muffled. The line's `text` is its words without the markers, as the transcript shows them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from livekit import rtc
from scipy import signal

from ..config.persona import Aside, ScriptLine, Speech, pause_parts

_FRAME_S = 0.02


@dataclass(frozen=True)
class SpokenLine:
    parts: tuple[tuple[str, float], ...]  # (words, then seconds of silence), the last silence 0
    aside: bool = False
    line: int | None = None  # its index in the script

    @property
    def text(self) -> str:
        return " ".join(words for words, _ in self.parts)

    @property
    def pauses(self) -> bool:
        return len(self.parts) > 1


def render_line(
    line: ScriptLine, speech: Speech, rng: random.Random, index: int | None = None
) -> SpokenLine:
    """`line` as the persona says it: fillers, hesitations (a pause of `speech.pause_s` after an
    ellipsis) and its own pauses; the same every time for the same `rng` seed."""
    parts = pause_parts(line.say, speech.pause_s)
    words = parts[0][0].split()
    hesitates = speech.hesitation_rate and rng.random() < speech.hesitation_rate
    if hesitates and len(words) >= 4:
        cut = rng.randint(1, len(words) - 2)
        first = " ".join(words[:cut] + [words[cut].rstrip(",") + "..."])
        parts[0:1] = [(first, speech.pause_s), (" ".join(words[cut + 1 :]), parts[0][1])]
    if speech.filler_rate and speech.fillers and rng.random() < speech.filler_rate:
        words0 = parts[0][0]
        parts[0] = (f"{rng.choice(speech.fillers)}, {words0[:1].lower()}{words0[1:]}", parts[0][1])
    return SpokenLine(tuple(parts), line.aside, index)


def _silence(seconds: float, like: rtc.AudioFrame) -> list[rtc.AudioFrame]:
    per_frame = round(like.sample_rate * _FRAME_S)
    count = round(seconds / _FRAME_S)
    return [
        rtc.AudioFrame(
            bytes(per_frame * 2 * like.num_channels),
            like.sample_rate,
            like.num_channels,
            per_frame,
        )
        for _ in range(count)
    ]


def duration_s(frames: list[rtc.AudioFrame]) -> float:
    return sum(frame.samples_per_channel / frame.sample_rate for frame in frames)


def assemble(
    spoken: SpokenLine, parts_audio: list[list[rtc.AudioFrame]]
) -> tuple[list[rtc.AudioFrame], list[dict[str, float]]]:
    """The line's audio: each part, then its silence; and where each pause sits in that audio
    (`offset_s` from the audio's first sample, `pause_s`)."""
    frames: list[rtc.AudioFrame] = []
    pauses: list[dict[str, float]] = []
    for (_, pause_s), audio in zip(spoken.parts, parts_audio, strict=True):
        frames.extend(audio)
        if pause_s > 0 and audio:
            pauses.append({"offset_s": round(duration_s(frames), 4), "pause_s": pause_s})
            frames.extend(_silence(pause_s, audio[-1]))
    return frames, pauses


def turned_away(frames: list[rtc.AudioFrame], aside: Aside) -> list[rtc.AudioFrame]:
    """An aside's audio: `level_db` quieter and, with `lowpass_hz`, muffled above it."""
    if not frames:
        return frames
    rate, channels = frames[0].sample_rate, frames[0].num_channels
    samples = np.concatenate([np.frombuffer(f.data, dtype=np.int16) for f in frames])
    audio = samples.astype(np.float64) * 10 ** (aside.level_db / 20)
    if aside.lowpass_hz is not None and aside.lowpass_hz < rate / 2:
        sos = signal.butter(4, aside.lowpass_hz, fs=rate, output="sos")
        audio = signal.sosfilt(sos, audio)
    pcm = np.clip(np.round(audio), -32768, 32767).astype(np.int16)
    out, start = [], 0
    for frame in frames:
        size = frame.samples_per_channel * channels
        chunk = pcm[start : start + size]
        out.append(rtc.AudioFrame(chunk.tobytes(), rate, channels, frame.samples_per_channel))
        start += size
    return out
