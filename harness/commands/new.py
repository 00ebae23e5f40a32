"""`crosstalk new persona|scenario NAME`: a commented starting file, never over an existing one;
`new scenarios --from-agent` and `new scenario NAME --from-call REC`: files written for you."""

from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ..errors import EXIT_OK, ConfigError, exit_codes_help
from .arguments import RAW, Subcommands

if TYPE_CHECKING:
    from ..generate.writing import Written

NAME = "new"
_EXIT_CODES = exit_codes_help(
    "0  written", "2  the file exists already, or the name has other characters"
)
_KINDS = {
    "persona": "Write personas/NAME.yaml: who calls (name, goal, facts told when asked), their "
    "voice, speech habits and turn-taking, and the scripted caller's lines, every field "
    "commented. Scenarios name it by NAME.",
    "scenario": "Write scenarios/NAME.yaml: one call to place (the persona, the agent factory and "
    "its options, who speaks first, the line's impairments, timing budgets), every field "
    "commented. Its persona is the first file in personas/, if any. With --from-call REC: a "
    "persona and two scenarios from a recorded call (see below).",
}
_FROM_AGENT = """Write personas and scenarios for an agent from what it declares: its instructions,
its tools (livekit function_tools on the Agent, or the factory's crosstalk_description) and its
SQL schema. Per tool a caller whose goal needs it; then a request the agent must refuse, a caller
who interrupts, one on a noisy line and one who corrects a wrong detail. Each scenario checks the
outcome (tool_called with arguments, db_state where the database shows it, goal_achieved) and has
timing budgets. Offline a deterministic generator words them; with a chat model configured as for
the judge (CROSSTALK_JUDGE_MODEL, OPENAI_BASE_URL / OPENAI_API_KEY) the model does, and its answer
is validated (retried, else dropped). Everything written validates; nothing is overwritten (a
second run skips what it wrote before, or writes new names)."""


@dataclass(frozen=True)
class NewOptions:
    kind: Literal["persona", "scenario"]
    name: str
    root: Path = Path(".")
    persona: str | None = None


def add_parser(subcommands: Subcommands) -> None:
    new = subcommands.add_parser(
        NAME,
        help="write a commented starting persona or scenario",
        description="Write personas/NAME.yaml or scenarios/NAME.yaml with every field "
        "commented; never overwrites an existing file. See `crosstalk new persona --help` and "
        "`crosstalk new scenario --help`.",
        epilog=_EXIT_CODES,
        formatter_class=RAW,
    )
    kinds = new.add_subparsers(dest="kind", metavar="KIND", required=True)
    for kind, what in _KINDS.items():
        one = kinds.add_parser(
            kind,
            help=f"write {kind}s/NAME.yaml",
            description=what,
            epilog=_EXIT_CODES,
            formatter_class=RAW,
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
            _add_from_call(one)
    _add_from_agent(kinds)


def _add_from_call(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from-call",
        type=Path,
        metavar="REC",
        help="a recorded call: a crosstalk session folder or a stereo file (caller on channel 0); "
        "writes personas/NAME.yaml (the caller's lines and facts), scenarios/NAME_replay.yaml (the "
        "recording replayed) and scenarios/NAME.yaml (the lines in a synthetic voice, with the "
        "call's timing as a baseline)",
    )
    parser.add_argument(
        "--caller", type=Path, metavar="A", help="instead of --from-call: the caller's mono file"
    )
    parser.add_argument(
        "--agent", type=Path, metavar="B", help="with --caller: the agent's mono file"
    )
    parser.add_argument(
        "--factory", help="the agent the scenarios call (default: crosstalk_agent:create_agent)"
    )
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")


def _add_from_agent(kinds: Subcommands) -> None:
    many = kinds.add_parser(
        "scenarios",
        help="write personas and scenarios from an agent's tools",
        description=_FROM_AGENT,
        epilog=exit_codes_help(
            "0  written (or skipped: the same files exist)",
            "2  the factory cannot be imported, or nothing could be written",
        ),
        formatter_class=RAW,
    )
    many.add_argument("--from-agent", required=True, metavar="module:factory", help="the agent")
    many.add_argument("-n", type=int, metavar="N", help="at most N scenarios (tools first)")
    many.add_argument(
        "--out", type=Path, default=Path("."), help="folder of personas/ and scenarios/ (default .)"
    )
    many.add_argument("--json", action="store_true", help="print what was written as JSON")


def handle(args: argparse.Namespace) -> int:
    if args.kind == "scenarios":
        return from_agent(args.from_agent, args.out, args.n, args.json)
    if args.kind == "scenario" and (args.from_call or args.caller or args.agent):
        return from_call(args)
    if args.kind == "scenario" and (args.factory or args.json):
        raise ConfigError(
            "--factory and --json go with --from-call REC (or --caller A --agent B)",
            hint="crosstalk new scenario NAME --from-call recording.wav --json",
        )
    return new(
        NewOptions(
            kind=args.kind, name=args.name, root=args.root, persona=getattr(args, "persona", None)
        )
    )


def _report(written: list[Written], as_json: bool) -> int:
    if as_json:
        print(json.dumps([item.to_json() for item in written], indent=2))
    else:
        for item in written:
            print(f"{item.status} {item.key}: {item.detail}")
    if not any(item.status in {"wrote", "skipped"} for item in written):
        raise ConfigError("nothing was written", hint="see the reasons above")
    return EXIT_OK


def from_agent(factory: str, out: Path, count: int | None, as_json: bool) -> int:
    from ..config.scaffold import FACTORY
    from ..generate.from_agent import FromAgentOptions, scenarios_from_agent
    from ..judging.settings import JudgeSettings

    if not FACTORY.match(factory):
        raise ConfigError(
            f"--from-agent {factory!r}: not an import path",
            hint="give `package.module:function`, e.g. my_agent.main:create_agent",
        )
    if count is not None and count < 1:
        raise ConfigError(f"-n {count}: give 1 or more")
    options = FromAgentOptions(factory, out=out, count=count, settings=JudgeSettings.resolve())
    return _report(scenarios_from_agent(options), as_json)


def new(options: NewOptions) -> int:
    from ..config.authoring import new_file

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", options.name):
        raise ConfigError(f"{options.name!r}: use letters, digits, '_', '.' and '-' in names")
    path = new_file(options.kind, options.name, options.root, options.persona)
    print(f"wrote {path}; check it with: crosstalk validate {path}")
    return EXIT_OK


def from_call(args: argparse.Namespace) -> int:
    from ..generate.from_call import DEFAULT_FACTORY, FromCallOptions, scenario_from_call

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", args.name):
        raise ConfigError(f"{args.name!r}: use letters, digits, '_', '.' and '-' in names")
    options = FromCallOptions(
        name=args.name,
        out=args.root,
        recording=args.from_call,
        caller=args.caller,
        agent=args.agent,
        factory=args.factory or DEFAULT_FACTORY,
    )
    return _report([scenario_from_call(options)], args.json)
