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
from . import scaffold as init_command
from .errors import (
    EXIT_INFRASTRUCTURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    ConfigError,
    CrosstalkError,
    exit_codes_help,
    outcome_exit_code,
)
from .judging import command as judge_command
from .judging import review as review_command
from .library import listing as list_command
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


_NEW_EXIT_CODES = exit_codes_help(
    "0  written", "2  the file exists already, or the name has other characters"
)
_NEW_KINDS = {
    "persona": "Write personas/NAME.yaml: who calls (name, goal, facts told when asked), their "
    "voice, speech habits and turn-taking, and the scripted caller's lines, every field "
    "commented. Scenarios name it by NAME.",
    "scenario": "Write scenarios/NAME.yaml: one call to place (the persona, the agent factory and "
    "its options, who speaks first, the line's impairments, timing budgets), every field "
    "commented. Its persona is the first file in personas/, if any.",
}


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
        "Checks each scenario against its agent too: the options its factory accepts, the "
        "tools it has (tool_called) and its database tables (db_state SQL). "
        "Lists every error of every file as file:line:column: field: problem, in file and "
        "line order.",
        epilog=exit_codes_help("0  every file is valid", "2  at least one error (all listed)"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
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
        help='print {"valid": bool, "files": N, "errors": [{"where", "message"}]} on stdout',
    )
    schema = commands.add_parser(
        "schema",
        help="write JSON Schemas for persona, scenario and suite YAML (editor autocompletion)",
        description="Write persona.schema.json, scenario.schema.json and suite.schema.json "
        "into --out, for editors that autocomplete and check YAML (see the README for the VS "
        "Code setting); with --docs FILE, also the Markdown field reference (every field and "
        "every check with its arguments). Nothing else is written, and a FILE that "
        "`crosstalk schema` did not write is never replaced.",
        epilog=exit_codes_help(
            "0  written", "2  --docs names a file crosstalk did not write (left as it is)"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument(
        "--out",
        type=Path,
        default=Path("schemas"),
        help="folder to write them to (default: schemas)",
    )
    schema.add_argument(
        "--docs",
        type=Path,
        metavar="FILE",
        help="also write the field reference here (e.g. docs/authoring.md)",
    )

    new = commands.add_parser(
        "new",
        help="write a commented starting persona or scenario",
        description="Write personas/NAME.yaml or scenarios/NAME.yaml with every field "
        "commented; never overwrites an existing file. See `crosstalk new persona --help` and "
        "`crosstalk new scenario --help`.",
        epilog=_NEW_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, what in _NEW_KINDS.items():
        one = kinds.add_parser(
            kind,
            help=f"write {kind}s/NAME.yaml",
            description=what,
            epilog=_NEW_EXIT_CODES,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        one.add_argument("name", help="file name without .yaml (letters, digits, _ . -)")
        one.add_argument(
            "--root",
            type=Path,
            default=Path("."),
            help=f"project folder holding {kind}s/ (default: .)",
        )
        if kind == "scenario":
            one.add_argument(
                "--persona",
                metavar="P",
                help="the caller, personas/P.yaml (needed when there are several)",
            )

    analyze = commands.add_parser(
        "analyze",
        help="measure timing from any call recording",
        description="Run the timing probes on a call recording: one stereo file (one channel "
        "per side) or two mono files (--caller and --agent, both starting at the call's start); "
        "WAV, FLAC, OGG (Vorbis or Opus) or MP3 at any sample rate. Prints speech segments, "
        "response latency (time-to-first-audio), interruptions (stop latency, recovery), "
        "overlap and silences. Works on recordings from production too.",
        epilog=exit_codes_help(
            "0  measured", "2  not a readable recording, or no such channel"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    analyze.add_argument(
        "recording",
        type=Path,
        nargs="?",
        metavar="REC",
        help="stereo recording (WAV, FLAC, OGG/Opus, MP3)",
    )
    analyze.add_argument(
        "--caller", type=Path, metavar="FILE", help="mono recording of the caller's side"
    )
    analyze.add_argument("--agent", type=Path, metavar="FILE", help="mono recording of the agent")
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
    list_command.add_parser(commands)
    init_command.add_parser(commands)
    return parser


def _schema(args: argparse.Namespace) -> int:
    from .config.authoring import write_reference, write_schemas

    written = write_schemas(args.out)
    if args.docs is not None:
        written.append(write_reference(args.docs))
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _new(args: argparse.Namespace) -> int:
    from .config.authoring import new_file

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.name):
        raise ConfigError(f"{args.name!r}: use letters, digits, '_', '.' and '-' in names")
    path = new_file(args.kind, args.name, args.root, getattr(args, "persona", None))
    print(f"wrote {path}; check it with: crosstalk validate {path}")
    return EXIT_OK


def _analyze(args: argparse.Namespace) -> int:
    from .probes import analyze_pair, analyze_recording

    pair = args.caller is not None or args.agent is not None
    if pair == (args.recording is not None) or (pair and None in (args.caller, args.agent)):
        raise ConfigError(
            "analyze: give one stereo recording, or both --caller FILE and --agent FILE",
            hint="crosstalk analyze call.flac | crosstalk analyze --caller a.ogg --agent b.ogg",
        )
    if pair:
        timing = analyze_pair(args.caller, args.agent)
    else:
        timing = analyze_recording(args.recording, args.caller_channel, args.agent_channel)
    source = args.recording or f"{args.caller} + {args.agent}"
    if args.json:
        print(json.dumps(timing.to_json(), indent=2))
        return EXIT_OK
    summary = timing.summary
    latency = summary["response_latency"]
    turns = ", ".join(f"{count} by the {side}" for side, count in summary["turns"].items())
    print(f"{source}: {summary['duration_s']:.1f} s, turns: {turns}")
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
    from .config.validation import run_validate
    from .reports.command import run_compare, run_report

    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["judge", "calibrate"] and {"-h", "--help"} & set(argv):
        judge_command.calibrate_parser().print_help()
        return EXIT_OK
    args = _build_parser().parse_args(argv)
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.ERROR)
    terminal.setFormatter(_OneLineFormatter())
    # libraries' errors go to the run's log only
    terminal.addFilter(logging.Filter("crosstalk_harness"))
    logging.basicConfig(handlers=[terminal])
    handlers = {
        "run": _run,
        "validate": run_validate,
        "analyze": _analyze,
        "schema": _schema,
        "new": _new,
        "judge": judge_command.run,
        "review": review_command.run,
        "list": list_command.run,
        "init": init_command.run,
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
