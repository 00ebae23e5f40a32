"""`crosstalk judge`: re-judge session or run directories offline, or calibrate the LLM judge.

crosstalk judge SESSION_OR_RUN_DIR   rewrite judgement.json from the files on disk
crosstalk judge calibrate LABELS     agreement of the judge with human labels
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import (
    EXIT_FAILED,
    EXIT_INFRASTRUCTURE,
    EXIT_OK,
    ConfigError,
    exit_codes_help,
    outcome_exit_code,
)
from ..rundir.layout import (
    JUDGEMENT_FILE,
    JUNIT_FILE,
    REPORT_FILE,
    RESULTS_FILE,
    RUN_FILE,
    SESSION_FILE,
    RunPaths,
)
from .arguments import RAW, Subcommands, add_allow_inconclusive

if TYPE_CHECKING:  # the judging machinery (openai, jinja2) loads only when the command runs
    from ..judging.calibration import CalibrationResult
    from ..judging.rejudge import RejudgeOptions
    from ..judging.verdicts import Judgement

NAME = "judge"
DESCRIPTION = f"""\
crosstalk judge SESSION_OR_RUN_DIR
    Judge calls again from their directories (nothing is re-run): the scenario's success checks
    and rubrics (from {SESSION_FILE}, or from an edited scenario file with --scenario FILE) run,
    each session's {JUDGEMENT_FILE} is rewritten, and so are the run's {RESULTS_FILE}, {JUNIT_FILE},
    {REPORT_FILE} and {RUN_FILE}'s outcomes (with no baseline comparison: add one with
    `crosstalk report RUN --baseline B`).
    Exit as `crosstalk run` and `crosstalk report` do for the same run directory: 0 if the run
    passed, 1 if a session or the run failed, 3 on a run-level infrastructure error, 4 if nothing
    failed but something could not be judged (no judge model, a judge error, a cancelled run);
    see `crosstalk --help` for all exit codes.
crosstalk judge calibrate LABELS
    Run the LLM judge on labelled transcripts (a folder of YAML files such as
    judges/calibration/, or one file) and print its agreement with the human labels: accuracy and
    Cohen's kappa per criterion. Exits 3 if no judge model is configured.

The judge model: --model, else CROSSTALK_JUDGE_MODEL, else the scenario's success.judge.model;
the server: --base-url, else OPENAI_BASE_URL (default OpenAI, with OPENAI_API_KEY). Answers are
cached in CROSSTALK_JUDGE_CACHE (default ~/.cache/crosstalk/judge; "off" disables)."""


_JUDGE_EXIT_CODES = exit_codes_help(
    "0  every session passed its judges",
    "1  a session failed a check or rubric, or the run failed (sessions never started, "
    "shards missing)",
    "2  bad input (not a session or run directory, a bad option)",
    "3  the judge model is unreachable or not configured, or the run had an infrastructure error",
    "4  inconclusive: nothing failed, but something could not be judged (0 with "
    "--allow-inconclusive)",
)


@dataclass(frozen=True)
class JudgeCommandOptions:
    """`crosstalk judge PATH`: what to judge again, with what, and how to answer."""

    path: Path
    judging: RejudgeOptions
    scenario: Path | None = None
    json: bool = False
    allow_inconclusive: bool = False


@dataclass(frozen=True)
class CalibrateOptions:
    labels: Path
    model: str | None = None
    base_url: str | None = None
    samples: int | None = None
    min_kappa: float | None = None
    json: bool = False


class _Help(argparse.Action):
    """-h: `judge calibrate -h` shows calibrate's own options, `judge -h` the judge's."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help="show this help message and exit",
        )

    def __call__(self, parser: argparse.ArgumentParser, namespace: Any, *_: Any) -> None:
        target = getattr(namespace, "target", None) or []
        (calibrate_parser() if target[:1] == ["calibrate"] else parser).print_help()
        parser.exit()


def calibrate_parser() -> argparse.ArgumentParser:
    """`crosstalk judge calibrate`'s own help (the command itself is parsed by `judge`)."""
    parser = argparse.ArgumentParser(
        prog="crosstalk judge calibrate",
        description="Run the LLM judge on labelled transcripts (a folder of YAML files such as "
        "judges/calibration/, or one file) and print its agreement with the human labels: "
        "accuracy and Cohen's kappa per criterion.",
        epilog=exit_codes_help(
            "0  calibrated (kappa at least --min-kappa, if given)",
            "1  the overall kappa is below --min-kappa",
            "2  bad labels file or folder",
            "3  no judge model configured, or it is unreachable",
        ),
        formatter_class=RAW,
    )
    parser.add_argument("labels", metavar="LABELS", help="a folder of labelled YAML files, or one")
    parser.add_argument("--model", help="judge model name (overrides CROSSTALK_JUDGE_MODEL)")
    parser.add_argument(
        "--base-url", help="an OpenAI-compatible server (overrides OPENAI_BASE_URL)"
    )
    parser.add_argument("--samples", type=int, help="answers per transcript; the median decides")
    parser.add_argument("--min-kappa", type=float, metavar="K", help="exit 1 below this kappa")
    parser.add_argument("--json", action="store_true", help="print the agreement as JSON")
    return parser


def add_parser(subcommands: Subcommands) -> None:
    judge = subcommands.add_parser(
        NAME,
        help="judge run directories again, or calibrate the LLM judge against human labels",
        description=DESCRIPTION,
        formatter_class=RAW,
        usage="crosstalk judge [options] SESSION_OR_RUN_DIR | calibrate LABELS",
        epilog=_JUDGE_EXIT_CODES,
        add_help=False,
    )
    judge.add_argument("-h", "--help", action=_Help)
    judge.add_argument("target", nargs="+", metavar="SESSION_OR_RUN_DIR | calibrate LABELS")
    judge.add_argument("--model", help="judge model name (overrides CROSSTALK_JUDGE_MODEL)")
    judge.add_argument("--base-url", help="an OpenAI-compatible server (overrides OPENAI_BASE_URL)")
    judge.add_argument("--samples", type=int, help="answers per rubric; the median decides")
    judge.add_argument(
        "--rubric",
        action="append",
        default=[],
        metavar="NAME",
        help="also score this rubric (repeatable); judging only",
    )
    judge.add_argument(
        "--min-kappa",
        type=float,
        metavar="K",
        help="calibrate: exit 1 if the overall kappa is below K",
    )
    judge.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="judge with the `success:` section of this (edited) scenario YAML instead of the "
        f"copy in {SESSION_FILE}, for the sessions of the scenario with its name: fix a check and "
        "re-judge without placing the call again",
    )
    judge.add_argument("--json", action="store_true", help="print the result as JSON")
    add_allow_inconclusive(judge)


def handle(args: argparse.Namespace) -> int:
    if args.samples is not None and not 1 <= args.samples <= 9:
        raise ConfigError(f"--samples {args.samples}: use 1 to 9")
    if args.target[0] == "calibrate":
        if len(args.target) != 2:
            raise ConfigError("usage: crosstalk judge calibrate LABELS (a folder or a YAML file)")
        return calibrate(
            CalibrateOptions(
                labels=Path(args.target[1]),
                model=args.model,
                base_url=args.base_url,
                samples=args.samples,
                min_kappa=args.min_kappa,
                json=args.json,
            )
        )
    if len(args.target) != 1:
        raise ConfigError("name one session or run directory")
    from ..judging.rejudge import RejudgeOptions

    judging = RejudgeOptions(
        model=args.model, base_url=args.base_url, samples=args.samples, rubrics=tuple(args.rubric)
    )
    return judge(
        JudgeCommandOptions(
            path=Path(args.target[0]),
            judging=judging,
            scenario=args.scenario,
            json=args.json,
            allow_inconclusive=args.allow_inconclusive,
        )
    )


def _with_edited_scenario(options: JudgeCommandOptions, directories: list[Path]) -> RejudgeOptions:
    """The judging options, with the `success:` of --scenario FILE for its sessions."""
    if options.scenario is None:
        return options.judging
    from ..config.load import load_scenario
    from ..judging.rejudge import edited_success

    scenario = load_scenario(options.scenario).scenario
    edited = edited_success(scenario.name, scenario.success, options.scenario, directories)
    return replace(options.judging, edited=edited)


def judge(options: JudgeCommandOptions) -> int:
    from ..judging.outcome import outcome_of
    from ..judging.rejudge import rejudge, session_dirs
    from ..judging.repeats import repeat_groups
    from ..judging.run_verdict import run_verdict

    path = options.path
    directories = session_dirs(path)
    results = rejudge(directories, _with_edited_scenario(options, directories))
    one_session = directories == [path]
    run_dir = path.parent if one_session else path
    if RunPaths(run_dir).run.is_file():  # results.json, junit.xml, report.html follow
        from ..judging.settings import JudgeSettings
        from ..reports.outputs import write_run_outputs

        judging = options.judging
        settings = JudgeSettings.resolve(model=judging.model, base_url=judging.base_url)
        write_run_outputs(run_dir, summary_judge=settings)
    groups = [] if one_session else [g for g in repeat_groups(path) if g.runs > 1]
    if options.json:
        document = {
            "sessions": [{"session": str(d), **j.to_json()} for d, j in results],
            "repeats": [group.to_json() for group in groups],
        }
        print(json.dumps(document, indent=2))
    else:
        for directory, judgement in results:
            _print_judgement(directory, judgement)
        for group in groups:
            print(
                f"{group.scenario} ({group.persona}{', ' + group.variant if group.variant else ''})"
                f": {group.passes}/{group.runs} passed, pass^{group.runs} "
                f"{'yes' if group.pass_all else 'no'}"
            )
    allow = options.allow_inconclusive
    if one_session:
        return outcome_exit_code(outcome_of(path).outcome, allow_inconclusive=allow)
    verdict = run_verdict(path)  # the whole run, as `crosstalk run` and `report` decide it
    if not options.json:
        for line in verdict.run.reasons:
            print(f"run: {line}")
    return verdict.exit_code(allow_inconclusive=allow)


def _print_judgement(directory: Path, judgement: Judgement) -> None:
    from ..judging.outcome import outcome_of

    score = "" if judgement.score is None else f" (score {judgement.score:.2f})"
    outcome = outcome_of(directory).outcome
    print(f"{directory.name}: {outcome if outcome == 'passed' else outcome.upper()}{score}")
    for verdict in judgement.verdicts:
        print(f"  {verdict.status:8} {verdict.kind:6} {verdict.judge}: {verdict.reason}")
    if judgement.sentiment.mean is not None:
        trend = judgement.sentiment.trend
        trend_text = "" if trend is None else f", trend {trend:+.3f}/turn"
        print(f"  caller sentiment mean {judgement.sentiment.mean:+.2f}{trend_text}")
    usage = judgement.usage
    if usage.prompt_tokens or usage.cached_calls:
        cost = "unknown cost" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
        print(
            f"  judge usage: {usage.prompt_tokens}+{usage.completion_tokens} tokens, {cost}, "
            f"{usage.cached_calls} cached answer(s)"
        )


def calibrate(options: CalibrateOptions) -> int:
    from ..judging.calibration import calibrate as run_calibration
    from ..judging.settings import JudgeSettings

    settings = JudgeSettings.resolve(
        model=options.model, base_url=options.base_url, samples=options.samples
    )
    if not settings.configured:
        print(
            f"crosstalk judge calibrate: {settings.why_not_configured}; nothing was judged.\n"
            "  hint: set CROSSTALK_JUDGE_MODEL and OPENAI_API_KEY, or pass --model and "
            "--base-url for an OpenAI-compatible server",
            file=sys.stderr,
        )
        return EXIT_INFRASTRUCTURE
    result = asyncio.run(run_calibration(options.labels, settings))
    if options.json:
        print(json.dumps(result.to_json(), indent=2))
    else:
        _print_calibration(result)
    kappa = result.overall.kappa
    if options.min_kappa is not None and (kappa is None or kappa < options.min_kappa):
        return EXIT_FAILED
    return EXIT_OK


def _figure(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:5.2f}"


def _print_calibration(result: CalibrationResult) -> None:
    print(f"judge {result.model} on {result.items} labelled transcripts")
    print(f"  {'criterion':42} {'n':>3} {'acc':>5} {'kappa':>5}")
    for agreement in [*result.criteria, result.overall]:
        print(
            f"  {agreement.name:42} {len(agreement.pairs):3d} {_figure(agreement.accuracy)} "
            f"{_figure(agreement.kappa)}"
        )
    for line in result.disagreements:
        print(f"  disagrees: {line}")
    for line in result.errors:
        print(f"  error: {line}")
    cost = result.usage["cost_usd"]
    print(
        f"  usage: {result.usage['prompt_tokens']}+{result.usage['completion_tokens']} tokens, "
        + ("unknown cost" if cost is None else f"${cost:.4f}")
    )
