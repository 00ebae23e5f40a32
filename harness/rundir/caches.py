"""Where crosstalk keeps what later runs can reuse (the judge's answers, the caller's speech).

Each cache is a folder under the user's cache directory, or where an environment variable
points ("off" turns it off), and its entries are named by a hash of everything that shaped
them, so a changed input is a new entry and never a stale one.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


def cache_dir(variable: str, name: str) -> Path | None:
    """`$variable` (a folder, or "off": None), else `~/.cache/crosstalk/<name>`."""
    configured = os.environ.get(variable)
    if configured:
        return None if configured.lower() == "off" else Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "crosstalk" / name


def cache_key(**parts: Any) -> str:
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def entry_path(directory: Path, key: str, suffix: str) -> Path:
    """An entry's file, in a subfolder per first two hex digits (no folder of a million)."""
    return directory / key[:2] / f"{key}{suffix}"
