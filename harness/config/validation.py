"""`crosstalk validate`: every problem of every file given, once each, in file and line order.

Scenarios are loaded as `run` loads them (personas, rubrics, the agent factory and what it
declares about itself), so what passes here does not fail at the start of a call.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from ..errors import EXIT_BAD_INPUT, EXIT_OK, CrosstalkError
from ..yaml_models import parse_model
from .load import file_kind
from .persona import Persona

_LOCATION = re.compile(r"^(.*?):(\d+):(\d+):")


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


def run_validate(args: argparse.Namespace) -> int:
    """`crosstalk validate PATH...`: every problem of every file, once each, in order."""
    from ..runner import expand_paths, load_all

    problems: set[str] = set()
    hints: dict[str, str] = {}
    paths: list[Path] = []

    def collect(exc: CrosstalkError) -> None:
        for line in exc.message.splitlines():
            problems.add(line)
            if exc.hint:
                hints[line] = exc.hint

    for given in args.paths:
        try:
            paths.extend(expand_paths([given]))
        except CrosstalkError as exc:
            collect(exc)
    for path in paths:
        try:
            kind = file_kind(path)
            if kind == "persona":
                parse_model(Persona, path)
            elif kind == "rubric":
                from ..judging.rubrics import Rubric

                parse_model(Rubric, path)
            else:
                load_all([path])
        except CrosstalkError as exc:
            collect(exc)
    # one line per problem, each once, in file then line order (a persona several scenarios
    # name is reported once, however many name it)
    ordered = sorted(problems, key=_by_file_and_line)
    if args.json:
        errors = [dict(zip(("where", "message"), _split_location(p), strict=True)) for p in ordered]
        document = {"valid": not problems, "files": len(paths), "errors": errors}
        print(json.dumps(document, indent=2))
    else:
        for problem in ordered:
            print(f"error: {problem}", file=sys.stderr)
            if problem in hints:
                print(f"  hint: {hints[problem]}", file=sys.stderr)
        if not problems:
            print(f"ok: {len(paths)} file(s) valid")
    return EXIT_BAD_INPUT if problems else EXIT_OK
