"""`crosstalk analyze`: the timing probes on any call recording, printed or as JSON."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import EXIT_OK, ConfigError, exit_codes_help
from .arguments import RAW, Subcommands
from .prosody_lines import print_prosody

if TYPE_CHECKING:
    from ..probes.timing import CallTiming

NAME = "analyze"


@dataclass(frozen=True)
class AnalyzeOptions:
    recording: Path | None = None
    caller: Path | None = None
    agent: Path | None = None
    caller_channel: int = 0
    agent_channel: int = 1
    json: bool = False
    prosody: bool = True


def add_parser(subcommands: Subcommands) -> None:
    analyze = subcommands.add_parser(
        NAME,
        help="measure timing from any call recording",
        description="Run the timing probes on a call recording: one stereo file (one channel "
        "per side) or two mono files (--caller and --agent, both starting at the call's start); "
        "WAV, FLAC, OGG (Vorbis or Opus) or MP3 at any sample rate. Prints speech segments, "
        "response latency (time-to-first-audio), interruptions (stop latency, recovery), "
        "overlap and silences, and each turn's prosody (speaking rate, pitch, level, pauses, "
        "trailing off) with a summary per side. Works on recordings from production too.",
        epilog=exit_codes_help("0  measured", "2  not a readable recording, or no such channel"),
        formatter_class=RAW,
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
        "--timing-only", action="store_true", help="skip the prosody (pitch, rate, level)"
    )
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


def handle(args: argparse.Namespace) -> int:
    return analyze(
        AnalyzeOptions(
            recording=args.recording,
            caller=args.caller,
            agent=args.agent,
            caller_channel=args.caller_channel,
            agent_channel=args.agent_channel,
            json=args.json,
            prosody=not args.timing_only,
        )
    )


def analyze(options: AnalyzeOptions) -> int:
    from ..probes import analyze, analyze_prosody, read_pair, read_stereo

    caller, agent, recording = options.caller, options.agent, options.recording
    if caller is not None and agent is not None and recording is None:
        audio, source = read_pair(caller, agent), f"{caller} + {agent}"
    elif recording is not None and caller is None and agent is None:
        audio = read_stereo(recording, options.caller_channel, options.agent_channel)
        source = str(recording)
    else:
        raise ConfigError(
            "analyze: give one stereo recording, or both --caller FILE and --agent FILE",
            hint="crosstalk analyze call.flac | crosstalk analyze --caller a.ogg --agent b.ogg",
        )
    timing = analyze(audio)
    prosody = analyze_prosody(audio) if options.prosody else None
    if options.json:
        document = timing.to_json()
        if prosody is not None:
            document["prosody"] = prosody
        print(json.dumps(document, indent=2))
    else:
        _print_timing(source, timing)
        if prosody is not None:
            print_prosody(prosody)
    return EXIT_OK


def _print_timing(source: str, timing: CallTiming) -> None:
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
    guessed = summary.get("barge_in_intent") == "guess"
    how = (
        " (a guess: no caller plan, so any caller speech over the agent longer than 0.8 s"
        " counts, an aside or background speech too)"
        if guessed
        else " (the caller's plan)"
    )
    print(
        f"  barge-ins          {summary['barge_ins']} (missed {summary['missed_barge_ins']}){how}"
    )
    for item in timing.interruptions:
        what = "barges in" if item.meant else "speaks over the agent (no barge-in)"
        print(
            f"    {item.start_s:8.3f}s caller {what}: agent stops after "
            f"{item.stop_latency_ms} ms, recovers after {item.recovery_ms} ms"
        )
    print(
        "  takeovers          not measured: without the caller's plan a pause inside a turn "
        "cannot be told from its end by audio alone (a crosstalk session measures them)"
    )
    print(
        f"  overlap {summary['overlap_s']} s, longest silence {summary['longest_silence_s']} s, "
        f"agent talk ratio {summary['agent_talk_ratio']}"
    )
