"""`new scenario NAME --from-call REC`: a recorded call becomes a persona and two scenarios.

Both sides are cut into turns by the timing probes' speech detection and transcribed offline
(Whisper). The persona's script is the caller's lines, its facts the numbers, names and
addresses in them; `NAME_replay` replays the recorded caller (the replay brain) and `NAME` has
the scripted persona say the same lines in a synthetic voice. Both carry budgets from the
recorded call's timing (its figures are in the files' comment) and, as comments, suggested
checks: what the agent said it would do.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..audiofile import to_rate
from ..backends.offline.whisper import WHISPER_SAMPLE_RATE, transcribe
from ..errors import ConfigError
from ..probes import analyze
from ..probes.recording import StereoRecording, read_pair, read_stereo
from ..rundir.layout import SessionPaths
from .writing import Pair, Written, write_pair

DEFAULT_FACTORY = "crosstalk_agent:create_agent"
# budgets: the recorded figure x1.5 or +1 s, whichever is more, so noise alone does not fail
_MARGIN, _ROOM_MS = 1.5, 1000
_NUMBER = re.compile(r"\b\d[\d ,.-]{2,}\d\b")
_ADDRESS = re.compile(
    r"\b\d+[a-z]?\s+(?:[A-Za-z]+\s+){0,3}?(?:street|road|avenue|lane|drive|way|close|place|"
    r"square|crescent|terrace|gardens)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b(?:my name is|this is|i am|i'm)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)")
_PROMISE = re.compile(
    r"\b(I will|I'll|I have|I've|I can|let me|I am going to)\b[^.?!]*[.?!]?", re.IGNORECASE
)


@dataclass(frozen=True)
class FromCallOptions:
    name: str
    out: Path = Path(".")
    recording: Path | None = None  # a crosstalk session folder or a stereo file
    caller: Path | None = None  # or one mono file per side
    agent: Path | None = None
    factory: str = DEFAULT_FACTORY


@dataclass(frozen=True)
class HeardTurn:
    side: str
    start_s: float
    end_s: float
    text: str


def _source(options: FromCallOptions) -> tuple[StereoRecording, dict[str, Any]]:
    """The call's audio and the `caller.replay` settings that replay it (paths absolute)."""
    if options.recording is not None and options.caller is None and options.agent is None:
        path = options.recording.resolve()
        if path.is_dir():
            return read_stereo(SessionPaths(path).recording), {"source": str(path)}
        return read_stereo(path), {"source": str(path), "channel": 0}
    if options.recording is None and options.caller is not None and options.agent is not None:
        caller, agent = options.caller.resolve(), options.agent.resolve()
        return read_pair(caller, agent), {"source": str(caller), "agent": str(agent)}
    raise ConfigError(
        "--from-call: give one recording (a session folder or a stereo file), or both --caller "
        "FILE and --agent FILE",
        hint="crosstalk new scenario NAME --from-call recording.wav | --caller a.ogg --agent b.ogg",
    )


def heard_turns(
    recording: StereoRecording, segments: dict[str, list[list[float]]]
) -> list[HeardTurn]:
    """Every speech segment of both sides, transcribed, in time order (silent ones left out)."""
    turns = []
    for side in ("caller", "agent"):
        samples = getattr(recording, side)
        for start, end in segments.get(side, []):
            clip = samples[int(start * recording.sample_rate) : int(end * recording.sample_rate)]
            clip = to_rate(clip, recording.sample_rate, WHISPER_SAMPLE_RATE).astype(np.float32)
            text = transcribe(clip).strip()
            if re.search(r"[A-Za-z0-9]", text):
                turns.append(HeardTurn(side, start, end, text))
    return sorted(turns, key=lambda turn: turn.start_s)


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}  # fmt: skip
_SPOKEN_DIGITS = re.compile(
    rf"\b(?:{'|'.join(_DIGIT_WORDS)})(?:[ ,.-]+(?:{'|'.join(_DIGIT_WORDS)})){{2,}}\b",
    re.IGNORECASE,
)


def spoken_digits(text: str) -> str:
    """Runs of three or more digits said one by one ("four, two, seven") as digits ("427"):
    a transcriber writes a number read out digit by digit either way."""

    def digits(match: re.Match[str]) -> str:
        words = re.split(r"[ ,.-]+", match.group(0).lower())
        return "".join(_DIGIT_WORDS[word] for word in words if word)

    return _SPOKEN_DIGITS.sub(digits, text)


def pulled_facts(lines: list[str]) -> dict[str, str]:
    """Numbers, names and addresses in the caller's lines, keyed by what they are."""
    facts: dict[str, str] = {}
    text = spoken_digits(" ".join(lines))
    for index, found in enumerate(_ADDRESS.findall(text), 1):
        facts[f"address {index}" if index > 1 else "address"] = found
    addresses = " ".join(facts.values())
    numbers = [n for n in _NUMBER.findall(text) if n not in addresses]
    for index, number in enumerate(numbers, 1):
        facts[f"number {index}" if len(numbers) > 1 else "number"] = re.sub(r"[ ,.-]", "", number)
    for index, name in enumerate(_NAME.findall(text), 1):
        facts[f"name {index}" if index > 1 else "name"] = name
    return facts


def _budget(figure: Any) -> float | None:
    if not isinstance(figure, int | float) or figure <= 0:
        return None
    return float(math.ceil(max(figure * _MARGIN, figure + _ROOM_MS) / 100) * 100)


def _budgets(summary: dict[str, Any]) -> dict[str, float]:
    figures = {
        "greeting_latency_ms": _budget(summary.get("greeting_latency_ms")),
        "response_latency_p95_ms": _budget((summary.get("response_latency") or {}).get("p95_ms")),
    }
    return {name: value for name, value in figures.items() if value is not None}


def _header(options: FromCallOptions, summary: dict[str, Any], turns: list[HeardTurn]) -> str:
    source = options.recording or f"{options.caller} + {options.agent}"
    latency = summary.get("response_latency") or {}
    promises = [
        m.group(0).strip() for t in turns if t.side == "agent" for m in _PROMISE.finditer(t.text)
    ]
    lines = [
        f"Written by `crosstalk new scenario {options.name} --from-call` from {source}.",
        f"The recorded call: {summary.get('duration_s')} s, greeting latency "
        f"{summary.get('greeting_latency_ms')} ms, response latency p50 {latency.get('p50_ms')} "
        f"ms, p95 {latency.get('p95_ms')} ms (budgets: these x{_MARGIN} or +{_ROOM_MS} ms).",
        "Suggested checks (what the agent said it would do; add those that matter):",
        *[f"  - must_say: {{pattern: {promise!r}, speaker: agent}}" for promise in promises[:5]],
    ]
    return "\n".join(lines if promises else lines[:2])


def scenario_from_call(options: FromCallOptions) -> list[Written]:
    """Write the persona, the replaying scenario and the scripted one for a recorded call."""
    recording, replay = _source(options)
    timing = analyze(recording)
    turns = heard_turns(recording, timing.segments)
    lines = [turn.text for turn in turns if turn.side == "caller"]
    if not lines:
        raise ConfigError(
            f"--from-call: no caller speech found in {options.recording or options.caller}"
        )
    persona = {
        "description": f"The caller of a recorded call ({options.recording or options.caller}).",
        "goal": f"What the recorded caller wanted: {lines[0]}",
        "facts": pulled_facts(lines),
        "script": lines,
    }
    caller_first = turns[0].side == "caller"
    budgets = _budgets(timing.summary)
    if caller_first:
        budgets.pop("greeting_latency_ms", None)  # no greeting to time
    scenario = {
        "description": "The recorded call's caller lines, said by a synthetic voice.",
        "agent": {"factory": options.factory, "backend": "offline"},
        "opening": "caller" if caller_first else "agent",
        "max_duration_s": max(30, math.ceil(recording.duration_s * 2)),
        "budgets": budgets,
        "success": {"checks": ["goal_achieved"]},
        "tags": ["generated", "from-call"],
    }
    header = _header(options, timing.summary, turns)
    replayed = {
        **scenario,
        "description": "The recorded caller, replayed against the agent with its turn timings.",
        "caller": {"brain": "replay", "replay": replay},  # absolute paths: the recording stays put
        "success": {"checks": []},
    }
    return write_pair(
        Pair(options.name, header, persona, {"": scenario, "_replay": replayed}), options.out
    )
