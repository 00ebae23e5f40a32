"""`crosstalk compare BASELINE CURRENT`: per-scenario changes beyond run-to-run noise."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import exit_codes_help
from ..reports.tolerances import Tolerances
from ..rundir.layout import RESULTS_FILE
from .arguments import (
    RAW,
    Subcommands,
    add_allow_inconclusive,
    add_tolerance_arguments,
    tolerances_from,
)
from .report import write_markdown

NAME = "compare"


@dataclass(frozen=True)
class CompareOptions:
    baseline: Path
    current: Path
    tolerances: Tolerances
    markdown: Path | None = None
    all_rows: bool = False
    json: bool = False
    allow_inconclusive: bool = False


def add_parser(subcommands: Subcommands) -> None:
    comparison = subcommands.add_parser(
        NAME,
        help="compare a run against a baseline, beyond run-to-run noise",
        description=f"Compare CURRENT against BASELINE (run directories or {RESULTS_FILE} files) "
        "per scenario: response and stop latency p95, judge score, pass rate. A change counts "
        "only when its 95% bootstrap interval (over sessions and their replies) excludes zero "
        "and it is at least the tolerance; a baseline scenario missing from CURRENT is a "
        "regression too (unless --allow-missing). Prints a Markdown summary for a PR comment.",
        epilog=exit_codes_help(
            "0  no regression, and CURRENT passed",
            "1  a figure regressed beyond noise, a baseline scenario was not run, or CURRENT "
            "failed",
            f"2  bad input (a path that is not a run directory or {RESULTS_FILE})",
            "3  CURRENT had an infrastructure error",
            "4  no regression, but CURRENT is inconclusive (0 with --allow-inconclusive)",
        ),
        formatter_class=RAW,
    )
    comparison.add_argument("baseline", type=Path, metavar="BASELINE")
    comparison.add_argument("current", type=Path, metavar="CURRENT")
    comparison.add_argument("--json", action="store_true", help="print the comparison as JSON")
    comparison.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the Markdown summary to FILE"
    )
    comparison.add_argument(
        "--all", action="store_true", help="list every figure, not only the ones that moved"
    )
    add_allow_inconclusive(comparison)
    add_tolerance_arguments(comparison)


def handle(args: argparse.Namespace) -> int:
    return compare_runs(
        CompareOptions(
            baseline=args.baseline,
            current=args.current,
            tolerances=tolerances_from(args),
            markdown=args.markdown,
            all_rows=args.all,
            json=args.json,
            allow_inconclusive=args.allow_inconclusive,
        )
    )


def compare_runs(options: CompareOptions) -> int:
    from ..reports.compare import compare, current_exit_code, load_results, markdown_summary

    current = load_results(options.current)
    result = compare(load_results(options.baseline), current, options.tolerances)
    text = markdown_summary(result, all_rows=options.all_rows)
    if options.json:
        print(json.dumps(result, indent=2))
    else:
        sys.stdout.write(text)
    write_markdown(text, options.markdown)
    return current_exit_code(
        options.current, current, result, allow_inconclusive=options.allow_inconclusive
    )
