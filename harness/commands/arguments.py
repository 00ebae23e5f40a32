"""Argparse pieces several commands share: the exit-code epilog, the report and comparison
options, and turning those options into the typed values the layers below take."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from ..reports.tolerances import Tolerances
from ..rundir.layout import RECORDING, RESULTS_FILE

if TYPE_CHECKING:  # the report machinery (jinja2, numpy) loads only when a command writes one
    from ..reports.outputs import OutputOptions

Subcommands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
RAW = argparse.RawDescriptionHelpFormatter

EXIT_CODES_HELP = """exit codes:
  0  every session passed: everything it asked for was judged and held
  1  a session failed: it broke a timing budget, hit max_duration_s before the caller was done,
     or failed a success check or rubric; or, with --baseline, a figure regressed beyond noise
  2  bad configuration or input (missing file, invalid YAML, unknown field or import path)
  3  infrastructure error (a model unreachable, a session crashed)
  4  inconclusive: nothing failed, but something could not be judged (a rubric with no judge
     model or a judge error, a budget on untrustworthy timing); 0 with --allow-inconclusive
  130  interrupted (Ctrl-C): everything recorded so far is kept, marked cancelled
  143  terminated (SIGTERM): handled like Ctrl-C"""


def add_allow_inconclusive(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-inconclusive",
        action="store_true",
        help="exit 0 instead of 4 when nothing failed but something could not be judged (for "
        "jobs that knowingly run without a judge model); the outcome still says inconclusive",
    )


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


def tolerances_from(args: argparse.Namespace) -> Tolerances:
    return Tolerances(
        latency_ms=args.latency_tolerance_ms,
        score=args.score_tolerance,
        pass_rate=args.pass_rate_tolerance,
        missing_is_regression=not args.allow_missing,
    )


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by `report` and `run` (which writes the report at its end)."""
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="PATH",
        help=f"an earlier run directory or its {RESULTS_FILE} to compare against; "
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
        f"--audio-budget-mb, the rest linked), link to {RECORDING}, or leave them out",
    )
    parser.add_argument(
        "--audio-budget-mb",
        type=float,
        default=None,
        metavar="MB",
        help="most audio to embed in one report (default 25)",
    )
    add_tolerance_arguments(parser)


def output_options_from(args: argparse.Namespace) -> OutputOptions:
    """The options of `add_report_arguments`, typed for the reports package."""
    from ..judging.settings import JudgeSettings
    from ..reports.outputs import OutputOptions

    return OutputOptions(
        summary_judge=JudgeSettings.resolve(),  # configured by the environment, or not at all
        baseline=args.baseline,
        history=args.history,
        last=args.last,
        tolerances=tolerances_from(args),
        audio=args.audio,
        audio_budget_mb=args.audio_budget_mb,
    )
