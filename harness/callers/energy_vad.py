"""The simulated caller's voice activity detector: the level of the line, not a neural model.

The caller's `AgentSession` needs a VAD to cut the agent's speech into utterances for its
speech-to-text and to tell when the agent's turn is over. The caller is the harness, not the
agent under test, and it already hears the agent by level (`hearing.LevelGate`); a Silero
stream per session cost about 4 s of CPU per demo call, mostly Python around the model. This
`livekit.agents.vad.VAD` gives the same events with Silero's defaults (speech after 50 ms,
0.5 s of audio before it kept, the utterance over after 0.55 s without speech), frame by frame.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from livekit import rtc
from livekit.agents import vad as lk_vad

from .hearing import LevelGate


@dataclass(frozen=True)
class EnergyVADOptions:
    min_speech_duration: float = 0.05
    min_silence_duration: float = 0.55
    prefix_padding_duration: float = 0.5
    max_buffered_speech: float = 60.0


class EnergyVAD(lk_vad.VAD):
    def __init__(self, options: EnergyVADOptions | None = None) -> None:
        super().__init__(capabilities=lk_vad.VADCapabilities(update_interval=0.02))
        self.options = options or EnergyVADOptions()

    @property
    def model(self) -> str:
        return "energy"

    @property
    def provider(self) -> str:
        return "crosstalk"

    def stream(self) -> EnergyVADStream:
        return EnergyVADStream(self, self.options)


class _Utterance:
    """One stream's state: the frames kept (padding, then speech) and the running durations."""

    def __init__(self, options: EnergyVADOptions) -> None:
        self.options = options
        self.gate = LevelGate()
        self.padding: deque[rtc.AudioFrame] = deque()
        self.padding_s = 0.0
        self.frames: list[rtc.AudioFrame] = []
        self.buffered_s = 0.0
        self.speaking = False
        self.speech_s = 0.0  # while speaking: since the start, pauses included
        self.silence_s = 0.0  # while silent: since the end
        self.raw_speech_s = 0.0  # consecutive speech frames
        self.raw_silence_s = 0.0  # consecutive silent frames
        self.samples = 0
        self.timestamp = 0.0

    def keep(self, frame: rtc.AudioFrame, frame_s: float) -> None:
        if self.speaking:
            if self.buffered_s + frame_s <= self.options.max_buffered_speech:
                self.frames.append(frame)
                self.buffered_s += frame_s
            return
        self.pad(frame, frame_s)

    def pad(self, frame: rtc.AudioFrame, frame_s: float) -> None:
        self.padding.append(frame)
        self.padding_s += frame_s
        while (
            self.padding
            and self.padding_s - self._first_s() >= self.options.prefix_padding_duration
        ):
            self.padding_s -= self._first_s()
            self.padding.popleft()

    def _first_s(self) -> float:
        first = self.padding[0]
        return first.samples_per_channel / first.sample_rate

    def restart(self) -> None:
        """After an utterance: its last `prefix_padding_duration` pads the next one."""
        kept = list(self.padding) + self.frames
        self.padding, self.padding_s = deque(), 0.0
        self.frames, self.buffered_s, self.speech_s = [], 0.0, 0.0
        for frame in kept:
            self.pad(frame, frame.samples_per_channel / frame.sample_rate)

    def speech(self) -> rtc.AudioFrame:
        return rtc.combine_audio_frames(list(self.padding) + self.frames)

    def event(self, kind: lk_vad.VADEventType, **fields: object) -> lk_vad.VADEvent:
        return lk_vad.VADEvent(
            type=kind,
            samples_index=self.samples,
            timestamp=self.timestamp,
            speech_duration=self.speech_s,
            silence_duration=self.silence_s,
            speaking=self.speaking,
            **fields,  # type: ignore[arg-type]
        )


class EnergyVADStream(lk_vad.VADStream):
    def __init__(self, vad: EnergyVAD, options: EnergyVADOptions) -> None:
        self._options = options
        super().__init__(vad)

    async def _main_task(self) -> None:
        state = _Utterance(self._options)
        async for item in self._input_ch:
            if isinstance(item, self._FlushSentinel):
                state = _Utterance(self._options)
            elif isinstance(item, rtc.AudioFrame):
                for event in self._on_frame(state, item):
                    self._event_ch.send_nowait(event)

    def _on_frame(self, state: _Utterance, frame: rtc.AudioFrame) -> list[lk_vad.VADEvent]:
        started = time.perf_counter()
        frame_s = frame.samples_per_channel / frame.sample_rate
        is_speech = state.gate.is_speech(frame)
        state.samples += frame.samples_per_channel
        state.timestamp += frame_s
        if state.speaking:
            state.speech_s += frame_s
        else:
            state.silence_s += frame_s
        state.keep(frame, frame_s)
        events = [
            state.event(
                lk_vad.VADEventType.INFERENCE_DONE,
                frames=[frame],
                probability=1.0 if is_speech else 0.0,
                inference_duration=time.perf_counter() - started,
                raw_accumulated_silence=state.raw_silence_s,
                raw_accumulated_speech=state.raw_speech_s,
            )
        ]
        options = self._options
        if is_speech:
            state.raw_speech_s += frame_s
            state.raw_silence_s = 0.0
            if not state.speaking and state.raw_speech_s >= options.min_speech_duration:
                state.speaking, state.silence_s, state.speech_s = True, 0.0, state.raw_speech_s
                events.append(
                    state.event(lk_vad.VADEventType.START_OF_SPEECH, frames=[state.speech()])
                )
            return events
        state.raw_silence_s += frame_s
        state.raw_speech_s = 0.0
        if state.speaking and state.raw_silence_s >= options.min_silence_duration:
            state.speaking, state.silence_s = False, state.raw_silence_s
            state.speech_s = max(0.0, state.speech_s - state.raw_silence_s)
            events.append(state.event(lk_vad.VADEventType.END_OF_SPEECH, frames=[state.speech()]))
            state.restart()
        return events
