"""The LLM judge's answers on disk, keyed by everything that shaped them, so a rerun costs nothing.

The key hashes the prompt version, the model, the rendered messages (which hold the transcript,
the rubric and the context), the answer schema and the sample number. Only answers that parsed
are stored, so a bad answer is asked again next time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..rundir.caches import cache_dir, cache_key, entry_path
from ..rundir.files import write_json

__all__ = ["AnswerCache", "cache_key", "default_cache_dir"]


def default_cache_dir() -> Path | None:
    """CROSSTALK_JUDGE_CACHE (a folder, or "off"), else ~/.cache/crosstalk/judge."""
    return cache_dir("CROSSTALK_JUDGE_CACHE", "judge")


class AnswerCache:
    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return entry_path(self.directory, key, ".json")

    def get(self, key: str) -> dict[str, Any] | None:
        if self.directory is None:
            return None
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        if self.directory is None:
            return
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, entry, indent=None)  # atomic: concurrent sessions never read half a file
