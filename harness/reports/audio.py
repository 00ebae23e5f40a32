"""The call recording as a data URI the report can play: stereo Ogg Opus, or WAV as a fallback.

Both channels are kept (caller left, agent right: who spoke over whom is the point). Opus at
32 kbit/s stereo is about 15× smaller than 16 kHz PCM WAV, and plays in every current browser.
PyAV (already installed with faster-whisper) encodes it at the encoder's lowest complexity: five
times faster than its default and still clear speech at this bitrate, which matters for suites of
hundreds of calls. If it cannot encode, the WAV is embedded as is.
"""

from __future__ import annotations

import base64
import io
import logging
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

OPUS_BITRATE = 32_000
_OPUS_RATES = (8000, 12000, 16000, 24000, 48000)


@dataclass(frozen=True)
class EmbeddedAudio:
    uri: str
    mime: str
    bytes: int


def _read_pcm(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError("only 16-bit PCM is re-encoded")
        channels, rate = wav.getnchannels(), wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), "<i2")
    return samples.reshape(-1, channels), rate


def encode_opus(path: Path, bitrate: int = OPUS_BITRATE) -> bytes:
    """Stereo Ogg Opus of a 16-bit PCM WAV (channels kept as they are)."""
    import av

    samples, rate = _read_pcm(path)
    if samples.shape[1] > 2:
        raise ValueError(f"{samples.shape[1]} channels; the report plays mono or stereo")
    layout = "stereo" if samples.shape[1] == 2 else "mono"
    target_rate = rate if rate in _OPUS_RATES else 48_000
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as container:
        stream = container.add_stream(
            "libopus",
            rate=target_rate,
            layout=layout,
            options={"compression_level": "0", "frame_duration": "60"},
        )
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.reshape(1, -1)), format="s16", layout=layout
        )
        frame.sample_rate = rate
        frames = [frame]
        if target_rate != rate:  # e.g. 44.1 kHz: Opus takes 8/12/16/24/48 kHz only
            resampler = av.AudioResampler(format="s16", layout=layout, rate=target_rate)
            frames = [*resampler.resample(frame), *resampler.resample(None)]
        for item in frames:
            for packet in stream.encode(item):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def estimated_bytes(path: Path, bitrate: int = OPUS_BITRATE) -> int:
    """Roughly what `embed_audio` will produce, from the WAV header alone."""
    try:
        with wave.open(str(path), "rb") as wav:
            return int(wav.getnframes() / wav.getframerate() * bitrate / 8)
    except (wave.Error, EOFError, OSError):
        return path.stat().st_size if path.is_file() else 0


def embed_audio(path: Path, *, compress: bool = True) -> EmbeddedAudio | None:
    if not path.is_file():
        return None
    data, mime = b"", "audio/wav"
    if compress:
        try:
            data, mime = encode_opus(path), "audio/ogg; codecs=opus"
        except Exception as exc:
            logger.warning("could not encode %s as Opus (%s); embedding the WAV", path, exc)
    if not data:
        data, mime = path.read_bytes(), "audio/wav"
    uri = f"data:{mime.split(';')[0]};base64,{base64.b64encode(data).decode('ascii')}"
    return EmbeddedAudio(uri, mime, len(data))
