"""`crosstalk init`: start crosstalk in a user's repository, beside their own agent.

Asks for the agent factory at a terminal when `--agent` is not given; the files themselves are
`config.scaffold`'s, and an existing one is never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config.authoring import REFERENCE_AGENT
from ..errors import EXIT_OK, ConfigError
from .arguments import Subcommands

NAME = "init"


@dataclass(frozen=True)
class InitOptions:
    root: Path = Path(".")
    agent: str | None = None


def add_parser(subcommands: Subcommands) -> None:
    init = subcommands.add_parser(
        NAME,
        help="start crosstalk in your repository: persona, scenario, suite, test, CI workflow",
        description="Scaffold crosstalk in ROOT (default: the current directory): "
        "personas/first_caller.yaml, scenarios/first_call.yaml calling your agent factory, "
        "scenarios/suites/smoke.yaml, tests/test_crosstalk.py (the crosstalk_run fixture), "
        ".github/workflows/crosstalk.yml, and `reports/` in .gitignore. Never overwrites.",
    )
    init.add_argument(
        "--agent",
        metavar="MODULE:FACTORY",
        help="your agent factory, `package.module:function` returning a livekit Agent (asked "
        f"if not given; without a terminal, the reference agent {REFERENCE_AGENT})",
    )
    init.add_argument("--root", type=Path, default=Path("."), help="repository folder")


def handle(args: argparse.Namespace) -> int:
    return init(InitOptions(root=args.root, agent=args.agent))


def _factory(given: str | None) -> str:
    if given is None and sys.stdin.isatty():
        given = input(f"agent factory (module:function) [{REFERENCE_AGENT}]: ").strip()
    return given or REFERENCE_AGENT


def init(options: InitOptions) -> int:
    from ..config.scaffold import check_factory, scaffold

    if not options.root.is_dir():
        raise ConfigError(f"{options.root}: no such folder")
    for line in scaffold(options.root, check_factory(_factory(options.agent))):
        print(line)
    print(
        "next: crosstalk validate scenarios/ && crosstalk run scenarios/suites/smoke.yaml "
        "(`crosstalk list` shows the built-in personas, rubrics and scenarios)"
    )
    return EXIT_OK
