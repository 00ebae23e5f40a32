"""Writing run-directory files so that a crash never leaves half a file: the one JSON writer.

Every JSON artifact (session.json, transcript.json, probes.json, run.json, judgement.json, ...)
is written to a temporary file beside its target and renamed over it; a reader, or a run killed
mid-write, sees the old document or the new one, never a truncated one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json(path: Path, document: Any, *, indent: int | None = 2) -> None:
    """Write `document` as JSON to `path` atomically (temporary file, fsync, rename)."""
    text = json.dumps(document, indent=indent, default=str) + "\n"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
