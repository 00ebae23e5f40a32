"""`crosstalk run SCENARIO...`: place the calls, then write the run's report and results files."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_INFRASTRUCTURE
from ..native_exit import quiet_native_teardown
from ..rundir.layout import (
    CALLER_STATE_FILE,
    EVENTS_FILE,
    RECORDING,
    SESSION_FILE,
    TRANSCRIPT_FILE,
    RunPaths,
)
from .arguments import (
    EXIT_CODES_HELP,
    RAW,
    Subcommands,
    add_allow_inconclusive,
    add_report_arguments,
    output_options_from,
)

if TYPE_CHECKING:
    from ..reports.outputs import OutputOptions, RunOutputs

NAME = "run"


@dataclass(frozen=True)
class RunOptions:
    scenarios: tuple[Path, ...]
    outputs: OutputOptions
    out: Path = Path("reports")
    tags: tuple[str, ...] = ()
    shard: str | None = None
    backends: Mapping[str, str] = field(default_factory=dict)
    concurrency: int | None = None
    mode: str | None = None
    quiet: bool = False
    json: bool = False
    allow_inconclusive: bool = False


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too few: at least 1 session at a time")
    return value


def add_parser(subcommands: Subcommands) -> None:
    run = subcommands.add_parser(
        NAME,
        help="place the calls of scenarios and suites",
        description="Run scenarios: each becomes a live call between a simulated caller and the "
        f"agent under test, written to OUT/<run-id>/<session-id>/ ({RECORDING}, {EVENTS_FILE}, "
        f"{TRANSCRIPT_FILE}, {SESSION_FILE}, {CALLER_STATE_FILE}). A suite file (top-level "
        "`suite:`) runs its scenarios over its matrix of personas and channels.",
        epilog=EXIT_CODES_HELP,
        formatter_class=RAW,
    )
    run.add_argument(
        "scenarios",
        nargs="+",
        type=Path,
        metavar="SCENARIO",
        help="scenario or suite YAML files, or folders of them",
    )
    for side in ("agent", "caller"):
        run.add_argument(
            f"--{side}-backend",
            choices=["offline", "openai"],
            help=f"run the {side} side of every scenario on this backend (overrides the YAML)",
        )
    run.add_argument(
        "--tag",
        action="append",
        default=[],
        metavar="TAG",
        help="run only sessions with this tag (repeatable: any of them)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        help="folder for run directories (default: reports)",
    )
    run.add_argument("--json", action="store_true", help="print the run's result as JSON on stdout")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress output on stderr")
    run.add_argument(
        "--shard",
        metavar="I/N",
        help="run only slice I of N (1-based, round-robin over the session list), to split a "
        "suite across machines; see docs/scale.md",
    )
    run.add_argument(
        "--concurrency",
        type=_positive_int,
        metavar="N",
        help="run N sessions at once, each in a worker process (default: the suite's "
        "`concurrency:`, else 1); sessions whose timing the harness could not keep are marked "
        "untrustworthy; see docs/scale.md",
    )
    run.add_argument(
        "--mode",
        choices=["audio", "text", "both"],
        help="audio: live calls (the default); text: the same scenarios in text turns, in "
        "seconds, with what only audio shows reported as not measured; both: each session in "
        "text and in audio, every audio failure attributed (default: the suite's `mode:`)",
    )
    add_allow_inconclusive(run)
    add_report_arguments(run)


def handle(args: argparse.Namespace) -> int:
    backends = {
        side: backend
        for side in ("agent", "caller")
        if (backend := getattr(args, f"{side}_backend"))
    }
    return run(
        RunOptions(
            scenarios=tuple(args.scenarios),
            outputs=output_options_from(args),
            out=args.out,
            tags=tuple(args.tag),
            shard=args.shard,
            backends=backends,
            concurrency=args.concurrency,
            mode=args.mode,
            quiet=args.quiet,
            json=args.json,
            allow_inconclusive=args.allow_inconclusive,
        )
    )


def _report_after_run(directory: str | None, options: RunOptions) -> RunOutputs | None:
    """The report and results files of a finished, failed or cancelled run; None if it failed."""
    if not directory:
        return None
    try:
        outputs = options.outputs.write(Path(directory))
    except Exception as exc:
        logging.getLogger("crosstalk_harness.reports").exception("writing the report failed")
        print(f"error: writing the report of {directory} failed: {exc}", file=sys.stderr)
        return None
    if not options.quiet:
        for line in _by_kind_lines(outputs.results):
            print(line, file=sys.stderr)
        print(f"crosstalk: report {RunPaths(Path(directory)).report}", file=sys.stderr)
    return outputs


def _by_kind_lines(results: dict[str, object]) -> list[str]:
    """results.json's run summary, one line per group, for a run of several sessions."""
    summary = results.get("summary")
    groups = summary.get("groups") if isinstance(summary, dict) else None
    if not groups or len(results.get("sessions") or []) < 2:  # type: ignore[arg-type]
        return []
    lines = ["crosstalk: what went wrong, by kind:"]
    for group in groups:
        counts = f"{group['failed_sessions']} failed, {group['inconclusive_sessions']} inconclusive"
        first = group.get("first_example") or {}
        lines.append(f"  {group['title']}: {counts} (first: {first.get('session_id', '?')})")
    return lines


def run(options: RunOptions) -> int:
    from ..reports.compare import markdown_summary
    from ..runner import Progress, run_scenarios
    from ..runner.shard import parse_shard

    options.outputs.check()  # a bad --baseline fails before any call is placed
    quiet_native_teardown()
    shard = parse_shard(options.shard) if options.shard else None
    progress = Progress(quiet=options.quiet)
    try:
        result = asyncio.run(
            run_scenarios(
                list(options.scenarios),
                options.out,
                progress,
                tags=list(options.tags),
                shard=shard,
                backends=dict(options.backends),
                concurrency=options.concurrency,
                mode=options.mode,
            )
        )
    except KeyboardInterrupt:
        _report_after_run(progress.directory, options)
        raise
    outputs = _report_after_run(result.directory, options)
    if options.json:
        print(json.dumps(result.to_json(), indent=2))
    elif outputs and outputs.comparison:
        print(markdown_summary(outputs.comparison))
    if outputs is None:
        return EXIT_INFRASTRUCTURE
    return outputs.exit_code(allow_inconclusive=options.allow_inconclusive)
