"""`crosstalk schema`: JSON Schemas of the YAML files for editors, and the field reference."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_OK, exit_codes_help
from .arguments import RAW, Subcommands

NAME = "schema"


@dataclass(frozen=True)
class SchemaOptions:
    out: Path = Path("schemas")
    docs: Path | None = None


def add_parser(subcommands: Subcommands) -> None:
    schema = subcommands.add_parser(
        NAME,
        help="write JSON Schemas for persona, scenario and suite YAML (editor autocompletion)",
        description="Write persona.schema.json, scenario.schema.json and suite.schema.json "
        "into --out, for editors that autocomplete and check YAML (see the README for the VS "
        "Code setting); with --docs FILE, also the Markdown field reference (every field and "
        "every check with its arguments). Nothing else is written, and a FILE that "
        "`crosstalk schema` did not write is never replaced.",
        epilog=exit_codes_help(
            "0  written", "2  --docs names a file crosstalk did not write (left as it is)"
        ),
        formatter_class=RAW,
    )
    schema.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        help="folder to write them to (default: schemas)",
    )
    schema.add_argument(
        "--docs",
        type=Path,
        metavar="FILE",
        help="also write the field reference here (e.g. docs/authoring.md)",
    )


def handle(args: argparse.Namespace) -> int:
    return schema(SchemaOptions(out=args.out, docs=args.docs))


def schema(options: SchemaOptions) -> int:
    from ..config.authoring import write_reference, write_schemas

    written = write_schemas(options.out)
    if options.docs is not None:
        written.append(write_reference(options.docs))
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK
