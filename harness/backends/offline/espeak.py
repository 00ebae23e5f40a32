"""Offline text-to-speech: espeak-ng (shipped by `espeakng-loader`) as a livekit-agents TTS plugin.

espeak-ng keeps global state, so one process-wide engine synthesises one utterance at a time
behind a lock, in a worker thread so the event loop never waits on it. That state also carries
from one utterance to the next (its pitch flutter runs on), so the same text would sound a
little different each time. Each utterance is therefore synthesised by a freshly loaded private
copy of the library (about 5 ms): the audio is a function of the text and the voice alone, which
makes a scripted caller's speech byte-identical from run to run.
"""

from __future__ import annotations

import _ctypes
import atexit
import ctypes
import importlib.metadata
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import espeakng_loader

from ..voices import Voice
from .batch import run_batch
from .synthesis import OfflineTTS, resample_utterance, source_digest, voice_field_checked
from .synthesis import __file__ as synthesis_file

_LIBRARY_VERSION = importlib.metadata.version("espeakng-loader")  # the library and its data
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_ESPEAK_PITCH = 3
_ESPEAK_RANGE = 4
_ESPEAK_CHARS_UTF8 = 1
_ESPEAK_ENDPAUSE = 0x1000
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)


@dataclass(frozen=True)
class EspeakVoice:
    """How a side sounds: an espeak-ng voice name, words per minute and base pitch (0-99)."""

    name: str = "en-us"
    words_per_minute: int = 165
    pitch: int = 50
    intonation: int = 50  # espeak's pitch range: 0 is a monotone


def _private_library_copy() -> Path:
    """A copy of the library under its own path, so loading it gets its own global state."""
    folder = Path(tempfile.mkdtemp(prefix="crosstalk-espeak-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    copy = folder / "libespeak-ng-private.so"
    shutil.copy2(espeakng_loader.get_library_path(), copy)
    return copy


class EspeakEngine:
    """The process-wide espeak-ng library, loaded once; `synthesize` is blocking and thread-safe."""

    _instance: EspeakEngine | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._private_copy = _private_library_copy()
        self._data_dir = espeakng_loader.get_data_path().encode()
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._on_audio)  # kept alive for the engine's lifetime
        self._synth_lock = threading.Lock()
        self._lib = self._open()  # stays open for voice checks; synthesis uses fresh copies
        self.sample_rate = self._initialize(self._lib)

    def _open(self) -> ctypes.CDLL:
        lib = ctypes.CDLL(str(self._private_copy))
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        return lib

    def _initialize(self, lib: ctypes.CDLL) -> int:
        sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, self._data_dir, 0))
        if sample_rate <= 0:
            raise RuntimeError(
                f"espeak-ng failed to initialise with data at {self._data_dir.decode()}"
            )
        lib.espeak_SetSynthCallback(self._callback)
        return sample_rate

    @classmethod
    def shared(cls) -> EspeakEngine:
        with cls._instance_lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def _on_audio(self, wav: ctypes.POINTER(ctypes.c_short), num_samples: int, _events: int) -> int:
        if num_samples > 0:
            self._chunks.append(ctypes.string_at(wav, num_samples * 2))
        return 0

    def has_voice(self, name: str) -> bool:
        with self._synth_lock:
            return self._lib.espeak_SetVoiceByName(name.encode()) == 0

    def synthesize(self, text: str, voice: EspeakVoice) -> bytes:
        """Return 16-bit mono PCM at `sample_rate` for `text`."""
        encoded = text.encode("utf-8")
        with self._synth_lock:
            self._lib.espeak_Terminate()
            _ctypes.dlclose(self._lib._handle)  # unloaded, so the next load starts from scratch
            self._lib = self._open()
            self._initialize(self._lib)
            if self._lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice named {voice.name!r}")
            self._lib.espeak_SetParameter(_ESPEAK_RATE, voice.words_per_minute, 0)
            self._lib.espeak_SetParameter(_ESPEAK_PITCH, voice.pitch, 0)
            self._lib.espeak_SetParameter(_ESPEAK_RANGE, voice.intonation, 0)
            self._chunks = []
            self._lib.espeak_Synth(
                encoded,
                len(encoded) + 1,
                0,
                0,
                0,
                _ESPEAK_CHARS_UTF8 | _ESPEAK_ENDPAUSE,
                None,
                None,
            )
            self._lib.espeak_Synchronize()
            return b"".join(self._chunks)


def warm_up() -> None:
    """Load the library before any session clock starts."""
    EspeakEngine.shared()


def build_tts(voice: Voice, sample_rate: int | None = None) -> EspeakTTS:
    """The TTS for a side's `voice` (`ConfigError` naming the field if espeak-ng lacks it)."""
    return voice_field_checked(
        "espeak",
        "try en-us, en-gb-x-rp, en-029 or en-GB-scotland",
        lambda: EspeakTTS(
            EspeakVoice(voice.espeak, voice.words_per_minute, voice.pitch, voice.intonation),
            sample_rate,
        ),
    )


class EspeakTTS(OfflineTTS):
    """A non-streaming livekit-agents TTS that speaks with espeak-ng, fully offline."""

    provider_name = "espeak-ng"

    def __init__(self, voice: EspeakVoice | None = None, sample_rate: int | None = None) -> None:
        """`sample_rate`: deliver audio at this rate (resampled here, deterministically)."""
        engine = EspeakEngine.shared()
        voice = voice or EspeakVoice()
        if not engine.has_voice(voice.name):
            raise ValueError(f"espeak-ng has no voice named {voice.name!r}")
        super().__init__(engine.sample_rate, sample_rate)
        self._engine = engine
        self.voice = voice

    @property
    def model(self) -> str:
        return f"espeak-ng:{self.voice.name}"

    def identity(self) -> str:
        code = source_digest(__file__, synthesis_file)
        return f"espeak-ng {code} {_LIBRARY_VERSION} {self.voice}"

    async def pcm_pieces(self, text: str) -> AsyncIterator[bytes]:
        """The whole utterance at once: espeak-ng is quick, and resampled whole it stays exact."""
        pcm = await run_batch(self._engine.synthesize, text, self.voice)
        if self.sample_rate != self._engine.sample_rate:
            pcm = resample_utterance(pcm, self._engine.sample_rate, self.sample_rate)
        yield pcm
