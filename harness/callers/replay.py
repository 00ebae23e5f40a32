"""The `replay` caller: a recorded caller, played back against the agent with its turn timings.

The source is a crosstalk session directory (its `call.wav` caller channel, cut at the caller
turns of its `transcript.json`) or a recording (WAV, FLAC, OGG/Opus or MP3 at any rate; cut at
silences): a stereo file, or the caller's mono file with the agent's in `replay.agent`. Each
recorded turn is played the same time after the agent stops talking as it was in the
recording, so the caller's reaction times are kept while the agent's own timing is free to
differ. Turns before the agent first spoke in the recording are played at their recorded time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from livekit import rtc
from livekit.agents import NOT_GIVEN

from ..audiofile import read_audio, to_rate
from ..brains import PolicyLLM
from ..config.models import ReplayConfig
from ..errors import ConfigError, RunFileError
from ..rundir.documents import read_transcript
from ..rundir.layout import TRANSCRIPT_FILE, SessionPaths
from .base import CallerContext, SimulatedCaller

_FRAME_S = 0.02
_DEFAULT_GAP_S = 0.8


@dataclass(frozen=True)
class RecordedTurn:
    start_s: float
    end_s: float
    text: str
    gap_s: float | None  # after the agent stopped, in the recording; None: before the agent spoke


def _read_channel(
    path: Path, channel: int, field: str = "replay.source"
) -> tuple[np.ndarray, int, np.ndarray | None]:
    """One channel as int16 PCM, its rate, and the other channel of a stereo file (else None)."""
    audio = read_audio(path, field)
    if channel >= audio.channel_count:
        raise ConfigError(f"{path}: replay.channel: the file has {audio.channel_count} channel(s)")
    pcm = (np.clip(audio.channels, -1, 1) * 32767).astype(np.int16)
    other = pcm[1 - channel] if audio.channel_count == 2 else None
    return pcm[channel].copy(), audio.sample_rate, other


def _agent_channel(path: Path, rate: int) -> np.ndarray:
    """The agent's side from its own mono file, at the caller file's rate."""
    audio = read_audio(path, "replay.agent")
    if audio.channel_count != 1:
        raise ConfigError(f"{path}: replay.agent: give a mono file (it has {audio.channel_count})")
    samples = to_rate(audio.channels[0], audio.sample_rate, rate)
    return (np.clip(samples, -1, 1) * 32767).astype(np.int16)


def _active_spans(
    samples: np.ndarray, rate: int, min_silence_s: float
) -> list[tuple[float, float]]:
    frame = max(1, int(rate * _FRAME_S))
    count = len(samples) // frame
    levels = np.sqrt(np.mean((samples[: count * frame].reshape(count, frame) / 32768.0) ** 2, 1))
    active = levels > max(10 ** (-45 / 20), float(np.percentile(levels, 10)) * 4)
    spans: list[tuple[float, float]] = []
    for index in np.flatnonzero(active):
        start, end = index * _FRAME_S, (index + 1) * _FRAME_S
        if spans and start - spans[-1][1] < min_silence_s:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return [(start, end) for start, end in spans if end - start >= 0.2]


def recorded_turns(
    config: ReplayConfig, base_dir: Path
) -> tuple[list[RecordedTurn], np.ndarray, int]:
    source = Path(config.source)
    source = source if source.is_absolute() else base_dir / source
    if not source.exists():
        raise ConfigError(f"caller.replay.source: {source} does not exist")
    if source.is_dir():
        samples, rate, _ = _read_channel(SessionPaths(source).recording, 0)
        try:
            transcript = read_transcript(source)
        except RunFileError as exc:
            raise ConfigError(
                f"{source}: replay.source: no usable {TRANSCRIPT_FILE} ({exc.cause})"
            ) from None
        turns, agent_end = [], None
        for turn in transcript.turns:
            if turn.speaker == "agent":
                agent_end = turn.end_s
                continue
            if turn.start_s is None or turn.end_s is None:
                continue  # never heard: nothing of it to replay
            gap = None if agent_end is None else max(0.0, turn.start_s - agent_end)
            turns.append(RecordedTurn(turn.start_s, turn.end_s, turn.text, gap))
        return turns, samples, rate
    samples, rate, other = _read_channel(source, config.channel)
    if config.agent is not None:
        agent = Path(config.agent)
        other = _agent_channel(agent if agent.is_absolute() else base_dir / agent, rate)
    agent_spans = _active_spans(other, rate, config.min_silence_s) if other is not None else []
    turns = []
    for number, (start, end) in enumerate(_active_spans(samples, rate, config.min_silence_s), 1):
        before = [span_end for _, span_end in agent_spans if span_end <= start]
        gap = (start - before[-1]) if before else (None if agent_spans else _DEFAULT_GAP_S)
        turns.append(RecordedTurn(start, end, f"[recorded turn {number}]", gap))
    return turns, samples, rate


class ReplayCaller(SimulatedCaller):
    def __init__(self, ctx: CallerContext, config: ReplayConfig, sample_rate: int) -> None:
        super().__init__(
            ctx,
            instructions="You replay a recorded caller.",
            llm=PolicyLLM(lambda _: None, name="replay") if ctx.own_brain else NOT_GIVEN,
        )
        self.turns, samples, rate = recorded_turns(config, ctx.scenario_dir)
        if not self.turns:
            raise ConfigError(f"caller.replay.source: {config.source}: no caller speech found")
        self._samples, self._rate = samples, rate
        self._sample_rate = sample_rate
        self._next = 0
        self._pending: asyncio.Task[None] | None = None

    def _frames(self, turn: RecordedTurn) -> list[rtc.AudioFrame]:
        clip = self._samples[int(turn.start_s * self._rate) : int(turn.end_s * self._rate)]
        resampler = rtc.AudioResampler(self._rate, self._sample_rate, num_channels=1)
        frames = resampler.push(bytearray(clip.tobytes())) + resampler.flush()
        return frames

    def _schedule(self, at_s: float) -> None:
        if self._pending is None or self._pending.done():
            self._pending = asyncio.get_running_loop().create_task(self._play_next(at_s))

    async def _play_next(self, at_s: float) -> None:
        turn = self.turns[self._next]
        frames = self._frames(turn)
        await self.sleep_until(at_s)
        self._next += 1
        self.speak_now(turn.text, frames, as_line=True)
        self.state.lines_said += 1
        self.ctx.report(
            "caller_replay_turn", {"turn": self._next, "recorded_start_s": turn.start_s}
        )
        if self._next >= len(self.turns):
            self.finish(goal_achieved=None, reason="the recording is finished")
        elif self.turns[self._next].gap_s is None:
            self._schedule(self.turns[self._next].start_s)

    def _agent_stopped(self, ended_s: float) -> None:
        if self._next < len(self.turns):
            gap = self.turns[self._next].gap_s
            self._schedule(ended_s + (gap if gap is not None else _DEFAULT_GAP_S))

    def _agent_started(self, _started_s: float) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()  # the agent spoke again before the recorded reply: wait

    async def on_enter(self) -> None:
        self.ctx.hearing.on_end.append(self._agent_stopped)
        self.ctx.hearing.on_start.append(self._agent_started)
        if self.turns[0].gap_s is None or self.ctx.opens_call:
            self._schedule(self.turns[0].start_s if self.turns[0].gap_s is None else 0.5)
