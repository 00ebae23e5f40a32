"""`crosstalk list [KIND]`: what each name resolves to from here, the project's files first."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from ..errors import EXIT_OK
from ..library.listing import KINDS, rows
from .arguments import Subcommands

NAME = "list"


@dataclass(frozen=True)
class ListOptions:
    kind: str | None = None
    json: bool = False


def add_parser(subcommands: Subcommands) -> None:
    listing = subcommands.add_parser(
        NAME,
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


def handle(args: argparse.Namespace) -> int:
    return list_names(ListOptions(kind=args.kind, json=args.json))


def list_names(options: ListOptions) -> int:
    found = rows(options.kind)
    if options.json:
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
