"""`crosstalk report RUN_DIR...`: write each run's report and results files from its files alone."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import exit_codes_help, worst_exit_code
from ..rundir.files import write_text
from ..rundir.layout import JUNIT_FILE, REPORT_FILE, RESULTS_CSV, RESULTS_FILE, TURNS_CSV
from .arguments import (
    RAW,
    Subcommands,
    add_allow_inconclusive,
    add_report_arguments,
    output_options_from,
)

if TYPE_CHECKING:
    from ..reports.outputs import OutputOptions

NAME = "report"
REPORT_FILES = f"{REPORT_FILE}, {RESULTS_FILE}, {RESULTS_CSV}, {TURNS_CSV} and {JUNIT_FILE}"


@dataclass(frozen=True)
class ReportOptions:
    run_dirs: tuple[Path, ...]
    outputs: OutputOptions
    merge_into: Path | None = None
    markdown: Path | None = None
    json: bool = False
    allow_inconclusive: bool = False


def add_parser(subcommands: Subcommands) -> None:
    report = subcommands.add_parser(
        NAME,
        help="render the report and results files of run directories",
        description=f"Write {REPORT_FILES} into each RUN_DIR, from its files alone (no call "
        "is re-run, nothing is fetched). `crosstalk run` does this at the end of every run.",
        epilog=exit_codes_help(
            "0  written, and the run passed (as `crosstalk run` and `judge` exit for it)",
            "1  a session or the run failed, or with --baseline a figure regressed beyond "
            "noise or a scenario was not run",
            "2  bad input (not a run directory, an unreadable --baseline or --history)",
            "3  a file could not be written, or the run had an infrastructure error",
            "4  inconclusive: nothing failed, but something could not be judged (0 with "
            "--allow-inconclusive)",
        ),
        formatter_class=RAW,
    )
    report.add_argument("run_dirs", nargs="+", type=Path, metavar="RUN_DIR")
    report.add_argument(
        "--merge-into",
        type=Path,
        metavar="DIR",
        help="first merge the RUN_DIRs (the shards of one suite, from `run --shard I/N`) into "
        "the new run directory DIR, and report on that",
    )
    report.add_argument(
        "--markdown",
        type=Path,
        metavar="FILE",
        help="also write the baseline comparison as Markdown to FILE ('-' for stdout)",
    )
    report.add_argument(
        "--json",
        action="store_true",
        help='print [{"directory", "outcome", "regressed", "files"}] per RUN_DIR on stdout',
    )
    add_allow_inconclusive(report)
    add_report_arguments(report)


def handle(args: argparse.Namespace) -> int:
    return report(
        ReportOptions(
            run_dirs=tuple(args.run_dirs),
            outputs=output_options_from(args),
            merge_into=args.merge_into,
            markdown=args.markdown,
            json=args.json,
            allow_inconclusive=args.allow_inconclusive,
        )
    )


def write_markdown(text: str, target: Path | None) -> None:
    """The Markdown comparison into `target`: nowhere for None, stdout for '-'."""
    if target is None:
        return
    if str(target) == "-":
        sys.stdout.write(text)
    else:
        write_text(target, text)  # atomic, as every file crosstalk rewrites


def report(options: ReportOptions) -> int:
    from ..reports.compare import markdown_summary

    options.outputs.check()
    run_dirs = options.run_dirs
    if options.merge_into is not None:
        from ..reports.merge import merge_runs

        run_dirs = (merge_runs(list(run_dirs), options.merge_into),)
    codes = []
    written = []
    for directory in run_dirs:
        outputs = options.outputs.write(directory)
        codes.append(outputs.exit_code(allow_inconclusive=options.allow_inconclusive))
        written.append(
            {
                "directory": str(directory),
                "outcome": outputs.results["outcome"],
                "exit_code": codes[-1],
                "regressed": outputs.regressed,
                "files": [str(path) for path in outputs.files],
            }
        )
        if not options.json:
            print(
                f"{directory}: {outputs.results['outcome']}; "
                f"wrote {', '.join(p.name for p in outputs.files)}"
            )
        if outputs.comparison:
            write_markdown(markdown_summary(outputs.comparison), options.markdown)
    if options.json:
        print(json.dumps(written, indent=2))
    return worst_exit_code(codes)
