"""The `crosstalk` command: parses arguments, runs the subcommand, maps errors to exit codes.

This is the one place where exceptions become exit codes: user errors print one line and a hint,
infrastructure errors exit 3, and unexpected errors say where the traceback was logged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from . import __version__
from .errors import (
    EXIT_BAD_INPUT,
    EXIT_INFRASTRUCTURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    ConfigError,
    CrosstalkError,
    outcome_exit_code,
)
from .judging import command as judge_command
from .judging import review as review_command
from .native_exit import quiet_native_teardown
from .reports.command import add_allow_inconclusive, add_report_arguments
from .reports.command import add_parsers as add_report_parsers

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


class _OneLineFormatter(logging.Formatter):
    """Terminal log lines without tracebacks: those go to the run's crosstalk.log."""

    def format(self, record: logging.LogRecord) -> str:
        first_line = record.getMessage().splitlines()[0] if record.getMessage() else ""
        return f"{record.levelname} {record.name}: {first_line}"


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is too few: at least 1 session at a time")
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crosstalk",
        description="Test realtime voice agents: simulated callers talk to your agent over live "
        "audio, and every call leaves a recording, events and a transcript behind.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"crosstalk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="place the calls of scenarios and suites",
        description="Run scenarios: each becomes a live call between a simulated caller and the "
        "agent under test, written to OUT/<run-id>/<session-id>/ (call.wav, events.jsonl, "
        "transcript.json, session.json, caller_state.json). A suite file (top-level `suite:`) "
        "runs its scenarios over its matrix of personas and channels.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
    add_allow_inconclusive(run)
    add_report_arguments(run)

    add_report_parsers(commands)

    validate = commands.add_parser(
        "validate",
        help="check persona, scenario, suite and rubric files without placing calls",
        description="Validate every file given (folders: their *.yaml files): personas, "
        "scenarios (with the personas, agents and rubrics they name), suites (with their "
        "scenarios) and rubrics (files in a judges/ folder). "
        "Lists every error as file:line:column: field: problem, and exits 2 if there is any.",
    )
    validate.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="YAML files, or folders of them (e.g. personas scenarios)",
    )
    schema = commands.add_parser(
        "schema",
        help="write JSON Schemas for persona, scenario and suite YAML (editor autocompletion)",
        description="Write persona.schema.json, scenario.schema.json and suite.schema.json, for "
        "editors that autocomplete and check YAML (see the README for the VS Code setting), and "
        "refresh the field reference docs/authoring.md when the folder sits beside docs/.",
    )
    schema.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        help="folder to write them to (default: schemas)",
    )

    new = commands.add_parser(
        "new",
        help="write a commented starting persona or scenario",
        description="Write personas/NAME.yaml or scenarios/NAME.yaml with every field "
        "commented; never overwrites an existing file.",
    )
    new.add_argument("kind", choices=["persona", "scenario"])
    new.add_argument("name", help="file name without .yaml (letters, digits, _ . -)")
    new.add_argument(
        "--persona",
        metavar="P",
        help="scenario: the caller, personas/P.yaml (needed when there are several)",
    )
    new.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        help="project folder holding personas/ and scenarios/ (default: .)",
    )

    analyze = commands.add_parser(
        "analyze",
        help="measure timing from any stereo recording",
        description="Run the timing probes on a stereo WAV (one channel per side): speech "
        "segments, response latency (time-to-first-audio), interruptions (stop latency, "
        "recovery), overlap and silences. Works on recordings from production too.",
    )
    analyze.add_argument("recording", type=Path, metavar="REC.wav", help="stereo PCM WAV file")
    analyze.add_argument("--json", action="store_true", help="print the full result as JSON")
    analyze.add_argument(
        "--caller-channel",
        type=int,
        default=0,
        metavar="N",
        help="channel holding the caller (default 0)",
    )
    analyze.add_argument(
        "--agent-channel",
        type=int,
        default=1,
        metavar="N",
        help="channel holding the agent (default 1)",
    )
    judge_command.add_parser(commands)
    review_command.add_parser(commands)
    return parser


def _schema(args: argparse.Namespace) -> int:
    from .config.authoring import write_schemas

    for path in write_schemas(args.out):
        print(f"wrote {path}")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from .config.authoring import new_file

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.name):
        raise ConfigError(f"{args.name!r}: use letters, digits, '_', '.' and '-' in names")
    path = new_file(args.kind, args.name, args.root, args.persona)
    print(f"wrote {path}; check it with: crosstalk validate {path}")
    return EXIT_OK


def _analyze(args: argparse.Namespace) -> int:
    from .probes import analyze_recording

    timing = analyze_recording(args.recording, args.caller_channel, args.agent_channel)
    if args.json:
        print(json.dumps(timing.to_json(), indent=2))
        return EXIT_OK
    summary = timing.summary
    latency = summary["response_latency"]
    print(f"{args.recording}: {summary['duration_s']:.1f} s, turns {summary['turns']}")
    print(f"  greeting latency   {summary['greeting_latency_ms']} ms")
    print(
        f"  response latency   p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
        f"max {latency['max_ms']} ms over {latency['count']} responses"
    )
    for response in timing.responses:
        print(
            f"    {response.caller_end_s:8.3f}s caller stops -> {response.agent_start_s:8.3f}s "
            f"agent starts: {response.latency_ms:7.1f} ms"
        )
    print(
        f"  interruptions      {summary['interruptions']} (missed "
        f"{summary['missed_interruptions']}, false {summary['false_interruptions']}), "
        f"backchannels {summary['backchannels']}"
    )
    for item in timing.interruptions:
        print(
            f"    {item.start_s:8.3f}s caller barges in: agent stops after "
            f"{item.stop_latency_ms} ms, recovers after {item.recovery_ms} ms"
        )
    print(
        f"  overlap {summary['overlap_s']} s, longest silence {summary['longest_silence_s']} s, "
        f"agent talk ratio {summary['agent_talk_ratio']}"
    )
    return EXIT_OK


def _report_after_run(directory: str | None, args: argparse.Namespace):
    """The report and results files of a finished, failed or cancelled run; None if it failed."""
    from .reports.command import outputs_for

    if not directory:
        return None
    try:
        outputs = outputs_for(Path(directory), args)
    except Exception as exc:
        logging.getLogger("crosstalk_harness.reports").exception("writing the report failed")
        print(f"error: writing the report of {directory} failed: {exc}", file=sys.stderr)
        return None
    if not args.quiet:
        print(f"crosstalk: report {Path(directory) / 'report.html'}", file=sys.stderr)
    return outputs


def _run(args: argparse.Namespace) -> int:
    from .reports.command import check_report_arguments
    from .reports.compare import markdown_summary
    from .runner import Progress, run_scenarios
    from .runner.shard import parse_shard

    check_report_arguments(args)  # a bad --baseline fails before any call is placed
    quiet_native_teardown()
    shard = parse_shard(args.shard) if args.shard else None
    progress = Progress(quiet=args.quiet)
    try:
        result = asyncio.run(
            run_scenarios(
                args.scenarios,
                args.out,
                progress,
                tags=args.tag,
                shard=shard,
                backends={
                    side: backend
                    for side in ("agent", "caller")
                    if (backend := getattr(args, f"{side}_backend"))
                },
                concurrency=args.concurrency,
            )
        )
    except KeyboardInterrupt:
        _report_after_run(progress.directory, args)
        raise
    outputs = _report_after_run(result.directory, args)
    if args.json:
        print(json.dumps(result.to_json(), indent=2))
    elif outputs and outputs.comparison:
        print(markdown_summary(outputs.comparison))
    if result.errors or outputs is None:
        return EXIT_INFRASTRUCTURE
    return outcome_exit_code(outputs.results["outcome"], allow_inconclusive=args.allow_inconclusive)


def _validate(args: argparse.Namespace) -> int:
    from .config import Persona, parse_model
    from .config.load import file_kind
    from .runner import expand_paths, load_all

    problems: list[str] = []
    paths: list[Path] = []
    for given in args.paths:
        try:
            paths.extend(expand_paths([given]))
        except CrosstalkError as exc:
            problems.append(exc.render())
    for path in paths:
        try:
            kind = file_kind(path)
            if kind == "persona":
                parse_model(Persona, path)
            elif kind == "rubric":
                from .judging.rubrics import Rubric

                parse_model(Rubric, path)
            else:
                load_all([path])
        except CrosstalkError as exc:
            problems.append(exc.render())
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    print(f"ok: {len(paths)} file(s) valid")
    return EXIT_OK


_terminated = threading.Event()


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM does what Ctrl-C does (cancel, keep artifacts, write run.json and the report)."""
    _terminated.set()
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # asyncio.run's handler cancels the running task
    else:
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    from .reports.command import run_compare, run_report

    args = _build_parser().parse_args(argv)
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.ERROR)
    terminal.setFormatter(_OneLineFormatter())
    # libraries' errors go to the run's log only
    terminal.addFilter(logging.Filter("crosstalk_harness"))
    logging.basicConfig(handlers=[terminal])
    handlers = {
        "run": _run,
        "validate": _validate,
        "analyze": _analyze,
        "schema": _schema,
        "new": _new,
        "judge": judge_command.run,
        "review": review_command.run,
        "report": run_report,
        "compare": run_compare,
    }
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return handlers[args.command](args)
    except CrosstalkError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        how = "terminated (SIGTERM)" if _terminated.is_set() else "interrupted"
        print(f"crosstalk: {how}; artifacts so far are kept", file=sys.stderr)
        return EXIT_TERMINATED if _terminated.is_set() else EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("CROSSTALK_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  hint: this is a crosstalk bug; CROSSTALK_DEBUG=1 shows the traceback",
            file=sys.stderr,
        )
        return EXIT_INFRASTRUCTURE


if __name__ == "__main__":
    sys.exit(main())
