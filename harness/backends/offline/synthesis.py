"""What the offline speech engines share: the livekit-agents TTS adapter and exact resampling.

An engine (espeak-ng, Piper) subclasses `OfflineTTS` and says only how it speaks: its rate, its
model name, its `identity` (what besides the text shapes its audio) and `pcm_pieces`, the
utterance's 16-bit mono PCM piece by piece (each pushed as soon as it is ready). Synthesis is
non-streaming (one call per text livekit hands over) and runs in the batch threads
(`batch.run_batch`), never on the event loop. Given a `SpeechCache` (the simulated caller's
side), an utterance said before is replayed from it, byte for byte, instead of rendered again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
from livekit.agents import APIConnectOptions, tokenize, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

from ...errors import ConfigError
from ..speech_cache import SpeechCache

TTSType = TypeVar("TTSType", bound=tts.TTS)


class OfflineTTS(tts.TTS, ABC):
    """A livekit-agents TTS speaking with an offline engine, delivering at `sample_rate`."""

    provider_name = "offline"

    def __init__(self, engine_rate: int, sample_rate: int | None = None) -> None:
        """`sample_rate`: deliver audio at this rate (resampled here, deterministically); None:
        the engine's own `engine_rate`."""
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=sample_rate or engine_rate,
            num_channels=1,
        )

    @property
    def provider(self) -> str:
        return self.provider_name

    speech_cache: SpeechCache | None = None

    @abstractmethod
    def pcm_pieces(self, text: str) -> AsyncIterator[bytes]:
        """`text` as 16-bit mono PCM at `sample_rate`, in the pieces the engine renders."""

    @abstractmethod
    def identity(self) -> str:
        """Everything besides the text and the delivery rate that shapes the audio: the engine's
        code, its model and the voice settings (a cached utterance is keyed by it)."""

    def keep_speech(self, cache: SpeechCache) -> None:
        """Replay utterances said before from `cache` (and keep new ones there)."""
        self.speech_cache = cache

    async def render_ahead(self, lines: list[str]) -> None:
        """Put `lines` in the speech cache now, before any clock runs, split into sentences as
        livekit's adapter splits them in a call (a split that differs is only a miss then)."""
        if self.speech_cache is None:
            return
        adapter = tts.StreamAdapter(
            tts=self, sentence_tokenizer=tokenize.blingfire.SentenceTokenizer(retain_format=True)
        )
        for line in lines:
            async with adapter.stream() as stream:
                stream.push_text(line)
                stream.end_input()
                async for _ in stream:
                    pass

    async def spoken(self, text: str) -> AsyncIterator[bytes]:
        """`pcm_pieces(text)`, or its pieces from the speech cache when it was said before.

        Stored only once every piece was rendered: an utterance cut short is not kept."""
        cache = self.speech_cache
        if cache is None:
            async for piece in self.pcm_pieces(text):
                yield piece
            return
        identity = self.identity()
        kept = await asyncio.to_thread(cache.get, identity, self.sample_rate, text)
        if kept is not None:
            for piece in kept:
                yield piece
            return
        rendered = []
        async for piece in self.pcm_pieces(text):
            rendered.append(piece)
            yield piece
        await asyncio.to_thread(cache.put, identity, self.sample_rate, text, rendered)

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _OfflineStream(tts=self, input_text=text, conn_options=conn_options)


class _OfflineStream(tts.ChunkedStream):
    def __init__(
        self, *, tts: OfflineTTS, input_text: str, conn_options: APIConnectOptions
    ) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._offline = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._offline.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        async for pcm in self._offline.spoken(self.input_text):
            output_emitter.push(pcm)
        output_emitter.flush()


@functools.cache
def source_digest(*files: str) -> str:
    """A hash of the source files that render an engine's audio: changed code, new entries."""
    digest = hashlib.sha256()
    for name in files:
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


def voice_field_checked(field: str, hint: str, build: Callable[[], TTSType]) -> TTSType:
    """`build()`; its `ValueError` becomes a `ConfigError` naming `voice.<field>` (the runner puts
    the file and the side in front of the field)."""
    try:
        return build()
    except ValueError as exc:
        raise ConfigError(f"voice.{field}: {exc}", hint=hint) from None


def resample_utterance(pcm: bytes, from_rate: int, to_rate: int) -> bytes:
    """A whole utterance of 16-bit PCM at another rate, by FFT: exact and repeatable.

    livekit's streaming resampler dithers, so its output differs by a bit or two from run to run;
    resampling the whole utterance here keeps a scripted caller's audio byte-identical.
    """
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    if samples.size == 0:
        return b""
    pad = samples.size  # zero padding keeps the FFT's wrap-around away from the speech
    spectrum = np.fft.rfft(np.concatenate([samples, np.zeros(pad)]))
    padded_out = round((samples.size + pad) * to_rate / from_rate)
    bins = padded_out // 2 + 1
    spectrum = (
        spectrum[:bins] if bins <= spectrum.size else np.pad(spectrum, (0, bins - spectrum.size))
    )
    resampled = np.fft.irfft(spectrum, n=padded_out) * (to_rate / from_rate)
    out = resampled[: round(samples.size * to_rate / from_rate)]
    return np.clip(np.round(out), -32768, 32767).astype(np.int16).tobytes()
