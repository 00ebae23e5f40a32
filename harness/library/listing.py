"""`crosstalk list`: every persona, rubric, scenario and suite that can be named, and where from.

A name resolves as it does for a scenario in the current directory: the project's own folders
first, then the built-in library; a project file that hides a built-in one says so.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import yaml

from ..errors import EXIT_OK
from . import Entry, Kind, entries

KINDS: tuple[Kind, ...] = ("scenario", "persona", "rubric")


def add_parser(subcommands: Any) -> None:
    listing = subcommands.add_parser(
        "list",
        help="show the personas, rubrics, scenarios and suites that can be named",
        description="List what a name in a scenario (persona: NAME, rubrics: [NAME]) or on the "
        "command line (crosstalk run NAME) resolves to from the current directory: the "
        "project's personas/, judges/ and scenarios/ first, then the built-in library. A "
        "project file of the same name as a built-in one overrides it.",
    )
    listing.add_argument(
        "kind", nargs="?", choices=[*KINDS, "suite"], help="only this kind (default: all)"
    )
    listing.add_argument("--json", action="store_true", help="print the list as JSON on stdout")


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


def run(args: argparse.Namespace) -> int:
    found = rows(args.kind)
    if args.json:
        print(json.dumps({"entries": found}, indent=2))
        return EXIT_OK
    for kind in (*KINDS[:1], "suite", *KINDS[1:]):
        group = [row for row in found if row["kind"] == kind]
        if not group:
            continue
        print(f"{kind}s:")
        width = max(len(row["name"]) for row in group)
        for row in group:
            note = f" (overrides the built-in {row['name']})" if row["overrides"] else ""
            print(f"  {row['name']:<{width}}  {row['origin']:<8}  {row['path']}{note}")
    return EXIT_OK
