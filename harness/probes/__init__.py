"""Timing and prosody probes: what the caller heard, measured from the recording itself.

`analyze_recording` works on any stereo recording and `analyze_pair` on two mono files;
`write_session_probes` adds the agent's own metrics from `events.jsonl`, the words of each
turn from `transcript.json` and each turn's prosody (`prosody.py`), and writes `probes.json`
into a session directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import RunFileError
from ..rundir.documents import read_session, read_transcript
from ..rundir.files import read_jsonl, write_json
from ..rundir.layout import SessionPaths
from ..rundir.models import Turn
from .activity import ActivityOptions, speech_segments
from .agent_metrics import agent_view, label_responses, model_usage
from .pauses import TurnPlans, turn_plans
from .prosody import ProsodyOptions, analyze_prosody
from .recording import StereoRecording, read_pair, read_stereo
from .timing import CallerPlan, CallTiming, Legs, TimingOptions, measure

PROBES_SCHEMA = "crosstalk.probes/1"


def analyze(
    recording: StereoRecording,
    activity: ActivityOptions | None = None,
    legs: Legs | None = None,
    plan: CallerPlan | None = None,
) -> CallTiming:
    rate = recording.sample_rate
    spans = {
        side: [(s / rate, e / rate) for s, e in speech_segments(samples, rate, activity)]
        for side, samples in (("caller", recording.caller), ("agent", recording.agent))
    }
    return measure(spans["caller"], spans["agent"], recording.duration_s, legs=legs, plan=plan)


def analyze_recording(
    path: Path,
    caller_channel: int = 0,
    agent_channel: int = 1,
    legs: Legs | None = None,
    plan: CallerPlan | None = None,
) -> CallTiming:
    """Timing of any stereo WAV; `legs` says how late its caller channel is (none by default),
    `plan` which overlaps the caller meant as barge-ins (none: guessed from their length)."""
    return analyze(read_stereo(path, caller_channel, agent_channel), legs=legs, plan=plan)


# callers whose every word over the agent is in events.jsonl (a replay caller's are not)
_PLANNING_BRAINS = ("scripted", "llm")


def caller_plan(session_dir: Path) -> CallerPlan | None:
    """When the session's simulated caller meant to speak over the agent, from its events; None
    when that is not known (a replayed caller, an unreadable session.json)."""
    try:
        scenario = read_session(session_dir).scenario or {}
    except RunFileError:
        return None
    brain = (scenario.get("caller") or {}).get("brain", "scripted")
    if brain not in _PLANNING_BRAINS:
        return None
    said: dict[str, list[float]] = {"caller_barge_in": [], "caller_backchannel": []}
    for record in read_jsonl(SessionPaths(session_dir).events).records:
        data = record.get("data")
        if record.get("side") == "caller" and record.get("type") in said and isinstance(data, dict):
            at = data.get("said_at_s", record.get("t"))
            if isinstance(at, int | float):
                said[record["type"]].append(float(at))
    return CallerPlan(tuple(said["caller_barge_in"]), tuple(said["caller_backchannel"]))


def session_legs(session_dir: Path) -> Legs:
    """The link's one-way delays the session's transport recorded in session.json."""
    try:
        transport = read_session(session_dir).transport or {}
    except RunFileError:
        return Legs()
    return Legs.from_json(transport.get("legs_ms"))


def analyze_pair(caller_path: Path, agent_path: Path) -> CallTiming:
    """Timing of a call recorded as one mono file per side, both starting at the call's start."""
    return analyze(read_pair(caller_path, agent_path))


def _spoken(turn: Turn) -> str:
    """The words a turn's audio holds: an interrupted turn's as heard (the rest was never said)."""
    return turn.heard_as if turn.interrupted and turn.heard_as is not None else turn.text


def transcript_texts(turns: list[Turn] | None) -> list[tuple[str, float, float, str]] | None:
    """The transcript's timed turns as (speaker, start_s, end_s, text): the words per turn."""
    if not turns:
        return None
    return [
        (turn.speaker, turn.start_s, turn.end_s, _spoken(turn))
        for turn in turns
        if turn.start_s is not None and turn.end_s is not None and not turn.backchannel
    ]


def write_session_probes(session_dir: Path) -> dict[str, Any]:
    """Timing of a session (probes.json), from `call_dry.wav` when there is one.

    A link with added noise also records the call without it (same timeline, losses, jitter and
    band): steady noise would look like speech to the probes, so timing is measured there.
    """
    paths = SessionPaths(session_dir)
    recording = paths.timing_recording
    audio = read_stereo(recording)
    timing = analyze(audio, legs=session_legs(session_dir), plan=caller_plan(session_dir))
    measured = timing.to_json()
    usage = model_usage(paths.events)
    if usage is not None:  # a realtime agent's own account of its responses
        measured["summary"]["agent_model"] = usage
    turns = read_transcript(session_dir).turns if paths.has_transcript() else None
    agent = [(start, end) for start, end in timing.segments["agent"]]
    plans = turn_plans(
        read_jsonl(paths.events).records, turns, agent, timing.summary["legs_ms"]["agent_to_caller"]
    )
    measured["summary"].update(plans.summary())
    document = {
        "schema": PROBES_SCHEMA,
        "recording": recording.name,
        **measured,
        **plans.to_json(),
        "agent_view": agent_view(paths.events, timing.responses),
        "response_labels": label_responses(turns, timing.responses),
        "prosody": analyze_prosody(audio, transcript_texts(turns)),
    }
    write_json(paths.probes, document)
    return document


__all__ = [
    "PROBES_SCHEMA",
    "ActivityOptions",
    "ProsodyOptions",
    "CallTiming",
    "CallerPlan",
    "Legs",
    "StereoRecording",
    "TimingOptions",
    "TurnPlans",
    "analyze",
    "analyze_pair",
    "analyze_prosody",
    "analyze_recording",
    "caller_plan",
    "measure",
    "read_pair",
    "read_stereo",
    "speech_segments",
    "turn_plans",
    "write_session_probes",
]
