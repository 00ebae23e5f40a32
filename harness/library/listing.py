"""Every persona, rubric, scenario and suite that can be named, and where from (`crosstalk list`).

A name resolves as it does for a scenario in the current directory: the project's own folders
first, then the built-in library; a project file that hides a built-in one says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from . import Entry, Kind, entries

KINDS: tuple[Kind, ...] = ("scenario", "persona", "rubric")


def _description(path: Path) -> tuple[str, bool]:
    """The file's `description:` and whether it is a suite (top-level `suite:`)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "", False
    if not isinstance(data, dict):
        return "", False
    return str(data.get("description") or "").strip(), "suite" in data


def rows(only: str | None = None) -> list[dict[str, Any]]:
    """One row per name: kind, name, origin (project | built-in), path, what it overrides."""
    found: list[dict[str, Any]] = []
    for kind in KINDS:
        for entry in entries(kind, None):
            description, is_suite = _description(entry.path)
            shown = "suite" if is_suite else kind
            if only in (None, shown):
                found.append(_row(entry, shown, description))
    return found


def _row(entry: Entry, kind: str, description: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": entry.name,
        "origin": entry.origin,
        "path": str(entry.path),
        "overrides": str(entry.overrides) if entry.overrides else None,
        "description": description,
    }
