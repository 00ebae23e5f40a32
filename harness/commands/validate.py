"""`crosstalk validate PATH...`: every problem of every file given, once each, in order.

Scenarios are loaded as `run` loads them (personas, rubrics, the agent factory and what it
declares about itself), so what passes here does not fail at the start of a call.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, EXIT_OK, CrosstalkError, exit_codes_help
from .arguments import RAW, Subcommands

NAME = "validate"
ASKS_NOTHING = (
    "the scenario asks nothing (no success checks, rubrics or budgets): its calls will be "
    'inconclusive ("nothing was asked"); add success.checks or budgets'
)
_LOCATION = re.compile(r"^(.*?):(\d+):(\d+):")


@dataclass(frozen=True)
class ValidateOptions:
    paths: tuple[Path, ...]
    json: bool = False


@dataclass(frozen=True)
class Problems:
    """What validating found: each problem line once, in file and line order, with its hint."""

    files: int
    lines: tuple[str, ...]
    hints: dict[str, str]
    warnings: tuple[str, ...] = ()


def add_parser(subcommands: Subcommands) -> None:
    validate = subcommands.add_parser(
        NAME,
        help="check persona, scenario, suite and rubric files without placing calls",
        description="Validate every file given (folders: their *.yaml files): personas, "
        "scenarios (with the personas, agents and rubrics they name), suites (with their "
        "scenarios) and rubrics (files in a judges/ folder). "
        "Checks each scenario against its agent too: the options its factory accepts, the "
        "tools it has (tool_called) and its database tables (db_state SQL). "
        "Lists every error of every file as file:line:column: field: problem, in file and "
        "line order. Warns (exit 0) of a scenario that asks nothing.",
        epilog=exit_codes_help("0  every file is valid", "2  at least one error (all listed)"),
        formatter_class=RAW,
    )
    validate.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="YAML files, or folders of them (e.g. personas scenarios)",
    )
    validate.add_argument(
        "--json",
        action="store_true",
        help='print {"valid": bool, "files": N, "errors": [{"where", "message"}], '
        '"warnings": [str]} on stdout',
    )


def handle(args: argparse.Namespace) -> int:
    return validate(ValidateOptions(paths=tuple(args.paths), json=args.json))


def _by_file_and_line(problem: str) -> tuple[str, int, int]:
    found = _LOCATION.match(problem)
    if not found:
        return (problem.split(":", 1)[0], 0, 0)
    return (found.group(1), int(found.group(2)), int(found.group(3)))


def _split_location(problem: str) -> tuple[str, str]:
    found = _LOCATION.match(problem)
    if not found:
        return "", problem
    return found.group(0).rstrip(":"), problem[found.end() :].strip()


def find_problems(given: tuple[Path, ...]) -> Problems:
    """Every problem of the files (folders: their YAML files), loaded as `run` loads them."""
    from ..config.load import file_kind
    from ..config.persona import Persona
    from ..judging.outcome import scenario_asks
    from ..judging.rubrics import Rubric
    from ..runner import expand_paths, load_all
    from ..yaml_models import parse_model

    problems: set[str] = set()
    warnings: set[str] = set()
    hints: dict[str, str] = {}
    paths: list[Path] = []

    def collect(exc: CrosstalkError) -> None:
        for line in exc.message.splitlines():
            problems.add(line)
            if exc.hint:
                hints[line] = exc.hint

    for path in given:
        try:
            paths.extend(expand_paths([path]))
        except CrosstalkError as exc:
            collect(exc)
    for path in paths:
        try:
            kind = file_kind(path)
            if kind == "persona":
                parse_model(Persona, path)
            elif kind == "rubric":
                parse_model(Rubric, path)
            else:
                for plan in load_all([path]):
                    if not scenario_asks(plan.loaded.scenario.model_dump(mode="json")):
                        warnings.add(f"{plan.loaded.scenario_path}: {ASKS_NOTHING}")
        except CrosstalkError as exc:
            collect(exc)
    # one line per problem, each once, in file then line order (a persona several scenarios
    # name is reported once, however many name it)
    return Problems(
        len(paths),
        tuple(sorted(problems, key=_by_file_and_line)),
        hints,
        tuple(sorted(warnings)),
    )


def validate(options: ValidateOptions) -> int:
    found = find_problems(options.paths)
    if options.json:
        errors = [
            dict(zip(("where", "message"), _split_location(p), strict=True)) for p in found.lines
        ]
        document = {
            "valid": not found.lines,
            "files": found.files,
            "errors": errors,
            "warnings": list(found.warnings),
        }
        print(json.dumps(document, indent=2))
    else:
        for warning in found.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        for problem in found.lines:
            print(f"error: {problem}", file=sys.stderr)
            if problem in found.hints:
                print(f"  hint: {found.hints[problem]}", file=sys.stderr)
        if not found.lines:
            print(f"ok: {found.files} file(s) valid")
    return EXIT_BAD_INPUT if found.lines else EXIT_OK
