"""`crosstalk new persona|scenario NAME`: a commented starting file, never over an existing one."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import EXIT_OK, ConfigError, exit_codes_help
from .arguments import RAW, Subcommands

NAME = "new"
_EXIT_CODES = exit_codes_help(
    "0  written", "2  the file exists already, or the name has other characters"
)
_KINDS = {
    "persona": "Write personas/NAME.yaml: who calls (name, goal, facts told when asked), their "
    "voice, speech habits and turn-taking, and the scripted caller's lines, every field "
    "commented. Scenarios name it by NAME.",
    "scenario": "Write scenarios/NAME.yaml: one call to place (the persona, the agent factory and "
    "its options, who speaks first, the line's impairments, timing budgets), every field "
    "commented. Its persona is the first file in personas/, if any.",
}


@dataclass(frozen=True)
class NewOptions:
    kind: Literal["persona", "scenario"]
    name: str
    root: Path = Path(".")
    persona: str | None = None


def add_parser(subcommands: Subcommands) -> None:
    new = subcommands.add_parser(
        NAME,
        help="write a commented starting persona or scenario",
        description="Write personas/NAME.yaml or scenarios/NAME.yaml with every field "
        "commented; never overwrites an existing file. See `crosstalk new persona --help` and "
        "`crosstalk new scenario --help`.",
        epilog=_EXIT_CODES,
        formatter_class=RAW,
    )
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, what in _KINDS.items():
        one = kinds.add_parser(
            kind,
            help=f"write {kind}s/NAME.yaml",
            description=what,
            epilog=_EXIT_CODES,
            formatter_class=RAW,
        )
        one.add_argument("name", help="file name without .yaml (letters, digits, _ . -)")
        one.add_argument(
            "--root",
            type=Path,
            default=Path("."),
            help=f"project folder holding {kind}s/ (default: .)",
        )
        if kind == "scenario":
            one.add_argument(
                "--persona",
                metavar="P",
                help="the caller, personas/P.yaml (needed when there are several)",
            )


def handle(args: argparse.Namespace) -> int:
    return new(
        NewOptions(
            kind=args.kind, name=args.name, root=args.root, persona=getattr(args, "persona", None)
        )
    )


def new(options: NewOptions) -> int:
    from ..config.authoring import new_file

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", options.name):
        raise ConfigError(f"{options.name!r}: use letters, digits, '_', '.' and '-' in names")
    path = new_file(options.kind, options.name, options.root, options.persona)
    print(f"wrote {path}; check it with: crosstalk validate {path}")
    return EXIT_OK
