"""The `crosstalk report` and `crosstalk compare` subcommands, and the report step of `run`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_FAILED, EXIT_OK, exit_codes_help
from .tolerances import Tolerances

if TYPE_CHECKING:
    from .outputs import RunOutputs

REPORT_FILES = "report.html, results.json, results.csv, turns.csv and junit.xml"


def add_tolerance_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Tolerances()
    parser.add_argument(
        "--latency-tolerance-ms",
        type=float,
        default=defaults.latency_ms,
        metavar="MS",
        help=f"smallest latency change that counts (default {defaults.latency_ms:g})",
    )
    parser.add_argument(
        "--score-tolerance",
        type=float,
        default=defaults.score,
        metavar="X",
        help=f"smallest judge-score change (0..1) that counts (default {defaults.score:g})",
    )
    parser.add_argument(
        "--pass-rate-tolerance",
        type=float,
        default=defaults.pass_rate,
        metavar="X",
        help=f"smallest pass-rate change (0..1) that counts (default {defaults.pass_rate:g})",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="a baseline scenario the run did not place is listed, not counted as a regression",
    )


def tolerances_of(args: argparse.Namespace) -> Tolerances:
    return Tolerances(
        latency_ms=args.latency_tolerance_ms,
        score=args.score_tolerance,
        pass_rate=args.pass_rate_tolerance,
        missing_is_regression=not args.allow_missing,
    )


def add_allow_inconclusive(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-inconclusive",
        action="store_true",
        help="exit 0 instead of 4 when nothing failed but something could not be judged (for "
        "jobs that knowingly run without a judge model); the outcome still says inconclusive",
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `report` and `run` (which writes the report at its end)."""
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help="an earlier run directory or its results.json to compare against; "
        "a regression beyond noise fails the run (exit 1)",
    )
    parser.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="folder of earlier run directories (e.g. reports/) for the trends section",
    )
    parser.add_argument(
        "--last", type=int, default=10, metavar="N", help="runs shown in trends (default 10)"
    )
    parser.add_argument(
        "--audio",
        choices=["embed", "link", "none"],
        default="embed",
        help="embed recordings in the page as Opus (default; failures first, up to "
        "--audio-budget-mb, the rest linked), link to call.wav, or leave them out",
    )
    parser.add_argument(
        "--audio-budget-mb",
        type=float,
        default=None,
        metavar="MB",
        help="most audio to embed in one report (default 25)",
    )
    add_tolerance_arguments(parser)


def add_parsers(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="render the report and results files of run directories",
        description=f"Write {REPORT_FILES} into each RUN_DIR, from its files alone (no call "
        "is re-run, nothing is fetched). `crosstalk run` does this at the end of every run.",
        epilog=exit_codes_help(
            "0  written (whatever the sessions' outcomes), and no regression against --baseline",
            "1  with --baseline: a figure regressed beyond noise, or a scenario was not run",
            "2  bad input (not a run directory, an unreadable --baseline or --history)",
            "3  a file could not be written",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_report_arguments(report)

    comparison = commands.add_parser(
        "compare",
        help="compare a run against a baseline, beyond run-to-run noise",
        description="Compare CURRENT against BASELINE (run directories or results.json files) "
        "per scenario: response and stop latency p95, judge score, pass rate. A change counts "
        "only when its 95% bootstrap interval (over sessions and their replies) excludes zero "
        "and it is at least the tolerance; a baseline scenario missing from CURRENT is a "
        "regression too (unless --allow-missing). Prints a Markdown summary for a PR comment.",
        epilog=exit_codes_help(
            "0  no regression",
            "1  a figure regressed beyond noise, or a baseline scenario was not run",
            "2  bad input (a path that is not a run directory or results.json)",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_tolerance_arguments(comparison)


def _write_markdown(text: str, target: Path | None) -> None:
    if target is None:
        return
    if str(target) == "-":
        sys.stdout.write(text)
    else:
        target.write_text(text, encoding="utf-8")


def check_report_arguments(args: argparse.Namespace) -> None:
    """Raise ConfigError for a baseline or history folder that cannot be read."""
    from ..errors import ConfigError
    from .compare import load_results

    if args.baseline is not None:
        load_results(args.baseline)
    if args.history is not None and not args.history.is_dir():
        raise ConfigError(f"{args.history}: --history must be a folder of run directories")


def outputs_for(directory: Path, args: argparse.Namespace) -> RunOutputs:
    from .outputs import write_run_outputs

    return write_run_outputs(
        directory,
        baseline=args.baseline,
        history=args.history,
        last=args.last,
        tolerances=tolerances_of(args),
        audio=args.audio,
        audio_budget_mb=args.audio_budget_mb,
    )


def run_report(args: argparse.Namespace) -> int:
    from .compare import markdown_summary

    check_report_arguments(args)
    if args.merge_into is not None:
        from .merge import merge_runs

        args.run_dirs = [merge_runs(args.run_dirs, args.merge_into)]
    regressed = False
    written = []
    for directory in args.run_dirs:
        outputs = outputs_for(directory, args)
        regressed = regressed or outputs.regressed
        written.append(
            {
                "directory": str(directory),
                "outcome": outputs.results["outcome"],
                "regressed": outputs.regressed,
                "files": [str(path) for path in outputs.files],
            }
        )
        if not args.json:
            print(
                f"{directory}: {outputs.results['outcome']}; "
                f"wrote {', '.join(p.name for p in outputs.files)}"
            )
        if outputs.comparison:
            _write_markdown(markdown_summary(outputs.comparison), args.markdown)
    if args.json:
        print(json.dumps(written, indent=2))
    return EXIT_FAILED if regressed else EXIT_OK


def run_compare(args: argparse.Namespace) -> int:
    from .compare import compare, load_results, markdown_summary

    result = compare(load_results(args.baseline), load_results(args.current), tolerances_of(args))
    text = markdown_summary(result, all_rows=args.all)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        sys.stdout.write(text)
    _write_markdown(text, args.markdown)
    return EXIT_FAILED if result["regressed"] else EXIT_OK
