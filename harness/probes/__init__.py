"""Timing probes: what the caller heard, measured from the recording itself.

`analyze_recording` works on any stereo recording and `analyze_pair` on two mono files;
`write_session_probes` adds the agent's own metrics from `events.jsonl` and the words of each
turn from `transcript.json`, and writes `probes.json` into a session directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..artifacts import write_json
from .activity import ActivityOptions, speech_segments
from .agent_metrics import agent_view, label_responses, model_usage
from .recording import StereoRecording, read_pair, read_stereo
from .timing import CallTiming, Legs, TimingOptions, measure

PROBES_SCHEMA = "crosstalk.probes/1"


def analyze(
    recording: StereoRecording, activity: ActivityOptions | None = None, legs: Legs | None = None
) -> CallTiming:
    rate = recording.sample_rate
    spans = {
        side: [(s / rate, e / rate) for s, e in speech_segments(samples, rate, activity)]
        for side, samples in (("caller", recording.caller), ("agent", recording.agent))
    }
    return measure(spans["caller"], spans["agent"], recording.duration_s, legs=legs)


def analyze_recording(
    path: Path, caller_channel: int = 0, agent_channel: int = 1, legs: Legs | None = None
) -> CallTiming:
    """Timing of any stereo WAV; `legs` says how late its caller channel is (none by default)."""
    return analyze(read_stereo(path, caller_channel, agent_channel), legs=legs)


def session_legs(session_dir: Path) -> Legs:
    """The link's one-way delays the session's transport recorded in session.json."""
    try:
        document = json.loads((session_dir / "session.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Legs()
    transport = document.get("transport") if isinstance(document, dict) else None
    return Legs.from_json(transport.get("legs_ms") if isinstance(transport, dict) else None)


def analyze_pair(caller_path: Path, agent_path: Path) -> CallTiming:
    """Timing of a call recorded as one mono file per side, both starting at the call's start."""
    return analyze(read_pair(caller_path, agent_path))


def write_session_probes(session_dir: Path) -> dict[str, Any]:
    """Timing of a session (probes.json), from `call_dry.wav` when there is one.

    A link with added noise also records the call without it (same timeline, losses, jitter and
    band): steady noise would look like speech to the probes, so timing is measured there.
    """
    dry = session_dir / "call_dry.wav"
    recording = dry if dry.exists() else session_dir / "call.wav"
    timing = analyze_recording(recording, legs=session_legs(session_dir))
    measured = timing.to_json()
    usage = model_usage(session_dir / "events.jsonl")
    if usage is not None:  # a realtime agent's own account of its responses
        measured["summary"]["agent_model"] = usage
    document = {
        "schema": PROBES_SCHEMA,
        "recording": recording.name,
        **measured,
        "agent_view": agent_view(session_dir / "events.jsonl", timing.responses),
        "response_labels": label_responses(session_dir / "transcript.json", timing.responses),
    }
    write_json(session_dir / "probes.json", document)
    return document


__all__ = [
    "PROBES_SCHEMA",
    "ActivityOptions",
    "CallTiming",
    "Legs",
    "StereoRecording",
    "TimingOptions",
    "analyze",
    "analyze_pair",
    "analyze_recording",
    "measure",
    "read_pair",
    "read_stereo",
    "speech_segments",
    "write_session_probes",
]
