"""Offline text-to-speech: espeak-ng (shipped by `espeakng-loader`) as a livekit-agents TTS plugin.

espeak-ng keeps global state, so one process-wide engine synthesises one utterance at a time
behind a lock, in a worker thread so the event loop never waits on it.
"""

from __future__ import annotations

import ctypes
import threading
from dataclasses import dataclass

import espeakng_loader
from livekit.agents import APIConnectOptions, tts, utils
from livekit.agents.types import DEFAULT_API_CONNECT_OPTIONS

from .batch import run_batch

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_ESPEAK_PITCH = 3
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


class _EspeakEngine:
    """The process-wide espeak-ng library, loaded once; `synthesize` is blocking and thread-safe."""

    _instance: _EspeakEngine | None = None
    _instance_lock = threading.Lock()

    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.argtypes = [
            ctypes.c_int,
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_int,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        data_dir = espeakng_loader.get_data_path().encode()
        self.sample_rate = int(
            self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_dir, 0)
        )
        if self.sample_rate <= 0:
            raise RuntimeError(f"espeak-ng failed to initialise with data at {data_dir.decode()}")
        self._chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._on_audio)  # kept alive for the library's lifetime
        self._lib.espeak_SetSynthCallback(self._callback)
        self._synth_lock = threading.Lock()

    @classmethod
    def shared(cls) -> _EspeakEngine:
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
            if self._lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise ValueError(f"espeak-ng has no voice named {voice.name!r}")
            self._lib.espeak_SetParameter(_ESPEAK_RATE, voice.words_per_minute, 0)
            self._lib.espeak_SetParameter(_ESPEAK_PITCH, voice.pitch, 0)
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
    _EspeakEngine.shared()


class EspeakTTS(tts.TTS):
    """A non-streaming livekit-agents TTS that speaks with espeak-ng, fully offline."""

    def __init__(self, voice: EspeakVoice | None = None) -> None:
        engine = _EspeakEngine.shared()
        voice = voice or EspeakVoice()
        if not engine.has_voice(voice.name):
            raise ValueError(f"espeak-ng has no voice named {voice.name!r}")
        super().__init__(
            capabilities=tts.TTSCapabilities(streaming=False),
            sample_rate=engine.sample_rate,
            num_channels=1,
        )
        self._engine = engine
        self.voice = voice

    @property
    def model(self) -> str:
        return f"espeak-ng:{self.voice.name}"

    @property
    def provider(self) -> str:
        return "espeak-ng"

    def synthesize(
        self, text: str, *, conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS
    ) -> tts.ChunkedStream:
        return _EspeakStream(tts=self, input_text=text, conn_options=conn_options)


class _EspeakStream(tts.ChunkedStream):
    def __init__(self, *, tts: EspeakTTS, input_text: str, conn_options: APIConnectOptions) -> None:
        super().__init__(tts=tts, input_text=input_text, conn_options=conn_options)
        self._espeak = tts

    async def _run(self, output_emitter: tts.AudioEmitter) -> None:
        pcm = await run_batch(self._espeak._engine.synthesize, self.input_text, self._espeak.voice)
        output_emitter.initialize(
            request_id=utils.shortuuid(),
            sample_rate=self._espeak.sample_rate,
            num_channels=1,
            mime_type="audio/pcm",
        )
        output_emitter.push(pcm)
        output_emitter.flush()
