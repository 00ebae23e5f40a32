"""What an audio rubric hears: each turn of the chosen sides cut from the recording, as WAV.

The recording is stereo, caller left and agent right (transport/recording), so a turn is cut
from its speaker's own channel: the judge hears that side alone, never the other talking over
it. Clips are 16 kHz mono 16-bit WAV, sent as `input_audio` content parts (base64) after the
rendered transcript; the cache keys on a hash of each clip, never on the audio itself.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import wave
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..audiofile import read_audio, to_rate
from ..errors import ConfigError
from .session_data import SessionData

CLIP_RATE = 16_000
PAD_S = 0.15  # transcript times come from speech-to-text: keep a word's onset and its tail
CHANNEL = {"caller": 0, "agent": 1}


class AudioUnavailable(Exception):
    """The session has no audio an audio rubric can hear (the rubric is then an `error`)."""


@dataclass(frozen=True)
class TurnClip:
    turn: int
    speaker: str
    start_s: float  # of the clip, in the call's time
    end_s: float
    wav: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.wav).hexdigest()

    def label(self) -> str:
        return f"Turn {self.turn} | {self.speaker} | audio {self.start_s:.2f}-{self.end_s:.2f} s:"


def wav_bytes(samples: np.ndarray, rate: int = CLIP_RATE) -> bytes:
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return buffer.getvalue()


def turn_clips(session: SessionData, sides: list[str]) -> list[TurnClip]:
    """One clip per timed turn of `sides`, from that speaker's channel of the recording."""
    if session.recording is None:
        raise AudioUnavailable("an audio rubric needs the call's recording, and there is none")
    try:
        audio = read_audio(session.recording)
    except ConfigError as exc:
        raise AudioUnavailable(exc.message) from None
    if audio.channel_count != 2:
        raise AudioUnavailable(
            f"{session.recording.name}: {audio.channel_count} channel(s); an audio rubric needs "
            "the stereo recording (caller left, agent right) to hear one side alone"
        )
    length_s = audio.channels.shape[1] / audio.sample_rate
    clips = []
    for turn in session.turns:
        if turn.speaker not in sides or turn.start_s is None or turn.end_s is None:
            continue
        start, end = max(0.0, turn.start_s - PAD_S), min(length_s, turn.end_s + PAD_S)
        if end <= start:
            continue
        first, last = round(start * audio.sample_rate), round(end * audio.sample_rate)
        samples = audio.channels[CHANNEL[turn.speaker], first:last]
        clip = to_rate(samples, audio.sample_rate, CLIP_RATE)
        clips.append(TurnClip(turn.number, turn.speaker, start, end, wav_bytes(clip)))
    if not clips:
        raise AudioUnavailable(f"no timed {' or '.join(sides)} turn inside the recording to hear")
    return clips


def with_audio(messages: list[dict[str, Any]], clips: list[TurnClip]) -> list[dict[str, Any]]:
    """The rendered messages with each clip appended to the user message, labelled by turn."""
    *before, user = messages
    parts: list[dict[str, Any]] = [{"type": "text", "text": user["content"]}]
    for clip in clips:
        parts.append({"type": "text", "text": clip.label()})
        encoded = base64.b64encode(clip.wav).decode("ascii")
        parts.append({"type": "input_audio", "input_audio": {"data": encoded, "format": "wav"}})
    return [*before, {"role": user["role"], "content": parts}]


def keyed(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The messages as the cache keys them: each clip's audio replaced by its SHA-256."""
    shown = copy.deepcopy(messages)
    for message in shown:
        content = message.get("content")
        for part in content if isinstance(content, list) else []:
            if part.get("type") == "input_audio":
                data = base64.b64decode(part["input_audio"]["data"])
                part["input_audio"]["data"] = "sha256:" + hashlib.sha256(data).hexdigest()
    return shown
