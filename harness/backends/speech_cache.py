"""The simulated caller's speech on disk, rendered once and replayed byte for byte.

Offline synthesis is a pure function of the text, the voice and the delivery rate, so a
scripted caller says each line identically in every repeat, every concurrent copy of a scenario
and every later run. Rendering it once saves the CPU a crowded machine needs for the calls'
live work (transcription above all). Entries hold the pieces the engine pushed (clause by
clause), are keyed by the engine's identity and the text, and are written atomically, so
concurrent workers never read half an entry; a damaged entry is a miss.

Only the caller's voice is kept: the agent's synthesis time is part of the agent under test.
"""

from __future__ import annotations

import contextlib
import struct
from pathlib import Path
from typing import Protocol, runtime_checkable

from ..rundir.caches import cache_dir, cache_key, entry_path
from ..rundir.files import write_bytes

_MAGIC = b"CTSP1"
_COUNT = struct.Struct("<I")


def speech_cache() -> SpeechCache | None:
    """CROSSTALK_SPEECH_CACHE (a folder, or "off"), else ~/.cache/crosstalk/speech."""
    directory = cache_dir("CROSSTALK_SPEECH_CACHE", "speech")
    return None if directory is None else SpeechCache(directory)


class SpeechCache:
    """Rendered utterances by (engine identity, delivery rate, text)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, identity: str, sample_rate: int, text: str) -> Path:
        key = cache_key(identity=identity, sample_rate=sample_rate, text=text)
        return entry_path(self.directory, key, ".pcm")

    def get(self, identity: str, sample_rate: int, text: str) -> list[bytes] | None:
        """The stored pieces (blocking file read), or None when absent or damaged."""
        try:
            data = self._path(identity, sample_rate, text).read_bytes()
        except OSError:
            return None
        return _unpack(data)

    def put(self, identity: str, sample_rate: int, text: str, pieces: list[bytes]) -> None:
        """Store `pieces` (blocking); a cache that cannot be written is only a slower run."""
        path = self._path(identity, sample_rate, text)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_bytes(path, _pack(pieces))


@runtime_checkable
class KeepsSpeech(Protocol):
    """A TTS that can serve repeated utterances from a `SpeechCache`."""

    def keep_speech(self, cache: SpeechCache) -> None: ...

    async def render_ahead(self, lines: list[str]) -> None: ...


def _pack(pieces: list[bytes]) -> bytes:
    header = [_MAGIC, _COUNT.pack(len(pieces))] + [_COUNT.pack(len(p)) for p in pieces]
    return b"".join(header + pieces)


def _unpack(data: bytes) -> list[bytes] | None:
    if not data.startswith(_MAGIC):
        return None
    offset = len(_MAGIC)
    try:
        (count,) = _COUNT.unpack_from(data, offset)
        if offset + _COUNT.size * (1 + count) > len(data):
            return None
        sizes = [
            _COUNT.unpack_from(data, offset + _COUNT.size * (1 + i))[0] for i in range(count)
        ]
    except struct.error:
        return None
    offset += _COUNT.size * (1 + count)
    if offset + sum(sizes) != len(data):
        return None  # cut short or padded: not what was written
    pieces = []
    for size in sizes:
        pieces.append(data[offset : offset + size])
        offset += size
    return pieces
