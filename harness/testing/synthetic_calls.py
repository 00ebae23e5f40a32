"""Ground-truth recordings for the probes: speech-like signals and TTS speech at known offsets.

A call is built as two tracks on one timeline, with every edge known to the sample: a greeting,
a response, a barge-in where the agent's audio is cut a known delay after the caller starts, a
recovery, a backchannel the agent talks through, and a final response. The truth is written in
the same terms as the analyzer's output.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..backends.offline.espeak import EspeakEngine, EspeakVoice

TTS_LINES = (
    "Thank you for calling, how can I help you today?",
    "My order has not arrived yet.",
    "Let me check that for you right now.",
    "Hello, is anyone there?",
    "Your parcel will arrive on Friday morning.",
    "Great, that is all I needed.",
)


@dataclass
class Truth:
    responses: list[tuple[float, float]] = field(default_factory=list)  # (caller_end, agent_start)
    # (caller start, agent stop, agent's recovery start)
    interruptions: list[tuple[float, float, float]] = field(default_factory=list)
    interruption_caller_ends: list[float] = field(default_factory=list)
    backchannels: int = 0


def speech_like(duration_s: float, rate: int, rng: np.random.Generator) -> np.ndarray:
    """A voiced, syllabic signal with a real word gap inside, starting and ending at its edges."""
    n = int(duration_s * rate)
    t = np.arange(n) / rate
    f0 = rng.uniform(100, 220) * (1 + 0.03 * np.sin(2 * np.pi * 5 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voice = sum((0.6**k) * np.sin(k * phase) for k in range(1, 6))
    envelope = np.zeros(n)
    position = 0
    while position < n:
        syllable = int(rng.uniform(0.12, 0.25) * rate)
        shape = np.sin(np.pi * np.arange(syllable) / syllable) ** 0.5
        envelope[position : position + syllable] = (0.35 + 0.65 * shape)[: n - position]
        position += syllable
    attack = int(0.015 * rate)
    envelope[:attack] *= np.linspace(0.05, 1, attack)
    envelope[-attack:] *= np.linspace(1, 0.05, attack)
    gap_start = int(rng.uniform(0.35, 0.55) * n)
    envelope[gap_start : gap_start + int(rng.uniform(0.12, 0.25) * rate)] = 0.0
    return (0.25 * voice * envelope).astype(np.float32)


def tts_speech(line: str, rate: int) -> np.ndarray:
    """espeak-ng speech resampled to `rate`, trimmed to its audible edges.

    An edge is the first/last sample within 30 dB of the utterance's peak: quieter tails (the
    last fade of a vowel) sit under a background 30 dB below speech and no listener hears them.
    """
    engine = EspeakEngine.shared()
    pcm = np.frombuffer(engine.synthesize(line, EspeakVoice()), np.int16).astype(np.float32) / 32768
    loud = np.flatnonzero(np.abs(pcm) > 10 ** (-30 / 20) * np.abs(pcm).max())
    pcm = pcm[loud[0] : loud[-1] + 1]
    target = np.arange(int(len(pcm) * rate / engine.sample_rate)) * engine.sample_rate / rate
    return np.interp(target, np.arange(len(pcm)), pcm).astype(np.float32)


class _Track:
    def __init__(self, rate: int, duration_s: float) -> None:
        self.rate = rate
        self.samples = np.zeros(int(duration_s * rate), dtype=np.float32)

    def place(self, audio: np.ndarray, at_s: float) -> tuple[float, float]:
        start = round(at_s * self.rate)
        self.samples[start : start + len(audio)] += audio
        return start / self.rate, (start + len(audio)) / self.rate


def build_call(rate: int, seed: int, *, noise_db_below: float | None, tts: bool):
    """A stereo call (caller, agent float tracks) and its truth."""
    rng = np.random.default_rng(seed)
    lines = iter(TTS_LINES[seed % 2 :] + TTS_LINES)

    def utterance(duration_s: float) -> np.ndarray:
        return tts_speech(next(lines), rate) if tts else speech_like(duration_s, rate, rng)

    caller, agent, truth = _Track(rate, 40), _Track(rate, 40), Truth()
    _, greeting_end = agent.place(utterance(1.6), rng.uniform(0.2, 0.6))
    _, c1_end = caller.place(utterance(1.3), greeting_end + rng.uniform(0.7, 1.2))
    reply_at = c1_end + rng.uniform(0.25, 1.6)
    pause = np.zeros(int(0.15 * rate), dtype=np.float32)  # a sentence break, inside the turn
    reply_start, _ = agent.place(np.concatenate([utterance(1.7), pause, utterance(1.7)]), reply_at)
    truth.responses.append((c1_end, reply_start))

    barge_at = reply_start + rng.uniform(1.0, 1.6)
    stop_at = barge_at + rng.uniform(0.12, 0.7)
    agent.samples[round(stop_at * rate) :] = 0.0  # the agent's audio is cut: it yielded
    stop_at = (int(np.flatnonzero(agent.samples)[-1]) + 1) / rate  # its last audible sample
    _, c2_end = caller.place(utterance(1.4), barge_at)
    recovery_start, recovery_end = agent.place(utterance(1.5), c2_end + rng.uniform(0.3, 1.2))
    truth.interruptions.append((barge_at, stop_at, recovery_start))
    truth.interruption_caller_ends.append(c2_end)
    truth.responses.append((c2_end, recovery_start))

    _, c3_end = caller.place(utterance(1.1), recovery_end + rng.uniform(0.7, 1.2))
    long_start, long_end = agent.place(speech_like(4.0, rate, rng), c3_end + rng.uniform(0.3, 1.5))
    truth.responses.append((c3_end, long_start))
    caller.place(speech_like(0.3, rate, rng) * 0.8, long_start + 1.5)  # "mm-hm" over the agent
    truth.backchannels += 1
    _, c4_end = caller.place(utterance(1.2), long_end + rng.uniform(0.7, 1.2))
    last_start, last_end = agent.place(utterance(1.4), c4_end + rng.uniform(0.25, 1.6))
    truth.responses.append((c4_end, last_start))

    length = round((last_end + 0.8) * rate)
    tracks = [caller.samples[:length], agent.samples[:length]]
    if noise_db_below is not None:
        for index, track in enumerate(tracks):
            active = np.abs(track) > 0
            speech_rms = float(np.sqrt(np.mean(track[active] ** 2)))
            noise_rms = speech_rms * 10 ** (-noise_db_below / 20)
            tracks[index] = track + rng.normal(0, noise_rms, length).astype(np.float32)
    return tracks[0], tracks[1], truth
