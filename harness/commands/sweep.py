"""`crosstalk sweep SCENARIO --vary KNOB=FROM..TO`: find where the outcome flips, by bisection
over real calls; print the margins, write sweep.json and sweep.html (docs/sweeps.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, exit_codes_help
from ..native_exit import quiet_native_teardown
from ..rundir.layout import SWEEP_FILE, SWEEP_REPORT
from .arguments import RAW, Subcommands, add_allow_inconclusive, positive_int

NAME = "sweep"


@dataclass(frozen=True)
class SweepCommandOptions:
    scenarios: tuple[Path, ...]
    vary: tuple[str, ...] = ()
    resolution: float | None = None
    repeats: int | None = None
    max_calls: int = 40
    concurrency: int = 1
    baseline: Path | None = None
    tolerance: float | None = None
    out: Path = Path("reports")
    json: bool = False
    quiet: bool = False
    allow_inconclusive: bool = False


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value:g}: must be above 0")
    return value


def _add_search_arguments(sweep: argparse.ArgumentParser) -> None:
    sweep.add_argument(
        "--resolution",
        type=_positive_float,
        metavar="STEP",
        help="stop when the passing and failing values are this close "
        "(default: the knob's, e.g. 1 dB)",
    )
    sweep.add_argument(
        "--repeats",
        type=positive_int,
        metavar="N",
        help="calls per point, decided by majority (default 1; odd for noisy outcomes)",
    )
    sweep.add_argument(
        "--max-calls",
        type=positive_int,
        default=40,
        metavar="N",
        help="refuse a sweep that may need more calls, and stop at this many (default 40)",
    )
    sweep.add_argument(
        "--concurrency",
        type=positive_int,
        default=1,
        metavar="N",
        help="a point's repeats side by side, up to N (default 1)",
    )


def add_parser(subcommands: Subcommands) -> None:
    sweep = subcommands.add_parser(
        NAME,
        help="find the knob value where a scenario starts failing (a robustness margin)",
        description="Sweep one knob (noise SNR, packet loss, latency, jitter, barge-in point, "
        "speaking rate, ...) between two values and find by bisection over real calls where "
        "the scenario's outcome flips from passed to failed. Each call is a run directory "
        f"inside OUT/sweep-<id>/, beside {SWEEP_FILE} and {SWEEP_REPORT}. A scenario's or "
        "suite's `margins:` gate the result (exit 1 when missed). See docs/sweeps.md.",
        epilog=exit_codes_help(
            "0  every margin was placed and held (the calls beyond the cliff fail by design)",
            "1  a margin missed its `margins:` requirement, shrank against --baseline beyond\n"
            "     --tolerance, or the scenario fails across the whole range",
            "2  bad configuration or input (a knob that does not apply, nothing judgeable\n"
            "     offline, more calls than --max-calls)",
            "3  infrastructure error",
            "4  inconclusive: a margin could not be placed (points not judgeable, the call\n"
            "     limit reached); 0 with --allow-inconclusive",
            "130  interrupted (Ctrl-C)",
        ),
        formatter_class=RAW,
    )
    sweep.add_argument(
        "scenarios",
        nargs="+",
        type=Path,
        metavar="SCENARIO",
        help="scenario or suite files (a suite's `sweep:` section names knobs)",
    )
    sweep.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KNOB=FROM..TO",
        help="the knob and its range, e.g. caller_to_agent.snr_db=30..0 "
        "(repeatable; default: the files' `sweep:` sections)",
    )
    _add_search_arguments(sweep)
    sweep.add_argument(
        "--baseline",
        type=Path,
        metavar="SWEEP",
        help=f"a previous sweep's directory or {SWEEP_FILE}: start from its margins; "
        "a margin that shrank beyond --tolerance is a regression (exit 1)",
    )
    sweep.add_argument(
        "--tolerance",
        type=float,
        metavar="X",
        help="how far a margin may move against the baseline, in the knob's "
        "units (default: one resolution step)",
    )
    sweep.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        help="folder for the sweep directory (default: reports)",
    )
    sweep.add_argument("--json", action="store_true", help=f"print {SWEEP_FILE} on stdout")
    sweep.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_allow_inconclusive(sweep)


def handle(args: argparse.Namespace) -> int:
    return sweep(
        SweepCommandOptions(
            scenarios=tuple(args.scenarios),
            vary=tuple(args.vary),
            resolution=args.resolution,
            repeats=args.repeats,
            max_calls=args.max_calls,
            concurrency=args.concurrency,
            baseline=args.baseline,
            tolerance=args.tolerance,
            out=args.out,
            json=args.json,
            quiet=args.quiet,
            allow_inconclusive=args.allow_inconclusive,
        )
    )


def _announce(sweeps: list, baseline: dict, max_calls: int) -> None:
    """The calls each sweep may take, before the first; refuse a plan beyond --max-calls."""
    total = 0
    for plan in sweeps:
        most = plan.max_calls()
        total += most
        start = "from the baseline's margin" if plan.label in baseline else "cold"
        print(
            f"crosstalk sweep: {plan.label} over {plan.grid.start:g}..{plan.grid.stop:g} "
            f"{plan.knob.unit}, resolution {plan.grid.resolution:g}: at most {most} calls "
            f"(2 ends + {plan.grid.bisection_steps()} midpoints, x{plan.repeats} repeats; "
            f"{start})",
            file=sys.stderr,
        )
        if plan.left_out:
            print(f"  left out: {'; '.join(plan.left_out)}", file=sys.stderr)
    if total > max_calls:
        raise ConfigError(
            f"the sweep may need {total} calls, more than --max-calls {max_calls}",
            hint="give a coarser --resolution, fewer --repeats, or raise --max-calls",
        )


def sweep(options: SweepCommandOptions) -> int:
    from ..reports.sweep import write_sweep_report
    from ..rundir.documents import read_sweep
    from ..sweep.plan import parse_vary, plan_sweeps
    from ..sweep.run import SweepOptions, baseline_margins, run_sweeps

    varies = [parse_vary(text) for text in options.vary]
    sweeps, unswept = plan_sweeps(
        list(options.scenarios), varies, resolution=options.resolution, repeats=options.repeats
    )
    baseline = baseline_margins(read_sweep(options.baseline)) if options.baseline else {}
    _announce(sweeps, baseline, options.max_calls)
    for line in unswept:
        print(f"crosstalk sweep: not judged: {line}", file=sys.stderr)
    quiet_native_teardown()
    run = asyncio.run(
        run_sweeps(
            sweeps,
            SweepOptions(
                out=options.out,
                concurrency=options.concurrency,
                max_calls=options.max_calls,
                baseline=baseline,
                tolerance=options.tolerance,
                quiet=options.quiet or options.json,
            ),
            tuple(unswept),
        )
    )
    report = write_sweep_report(run.directory)
    document = run.to_json()
    if options.json:
        print(json.dumps(document, indent=2))
    else:
        for swept in document["sweeps"]:
            print(f"{swept['label']}: {swept['outcome']}: {swept['margin']['margin']}")
            for reason in swept["reasons"]:
                print(f"  {reason}")
    print(f"crosstalk: sweep report {report}", file=sys.stderr)
    return run.verdict.exit_code(allow_inconclusive=options.allow_inconclusive)
