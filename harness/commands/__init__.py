"""The `crosstalk` subcommands, one module each, over the domain packages.

Every module has a `NAME`, an `add_parser(subcommands)` that adds its subparser, and a
`handle(args)` that turns the parsed arguments into a frozen options dataclass and calls the
domain code with it: argparse stops here, nothing below receives a Namespace. `COMMANDS` is
their order in `crosstalk --help`; `arguments` holds the options several of them share.
"""

from __future__ import annotations

import argparse
from typing import Protocol

from . import (
    analyze,
    compare,
    init,
    judge,
    listing,
    new,
    report,
    review,
    run,
    schema,
    sweep,
    validate,
)
from .arguments import Subcommands


class Command(Protocol):
    NAME: str

    def add_parser(self, subcommands: Subcommands) -> None: ...

    def handle(self, args: argparse.Namespace) -> int: ...


COMMANDS: tuple[Command, ...] = (
    run,
    sweep,
    report,
    compare,
    validate,
    schema,
    new,
    analyze,
    judge,
    review,
    listing,
    init,
)
