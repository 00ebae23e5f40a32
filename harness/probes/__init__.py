"""Timing probes: what the caller heard, measured from the recording itself.

`analyze_recording` works on any stereo WAV; `write_session_probes` adds the agent's own metrics
from `events.jsonl` and the words of each turn from `transcript.json`, and writes `probes.json`
into a session directory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .activity import ActivityOptions, speech_segments
from .agent_metrics import agent_view, label_responses, model_usage
from .recording import StereoRecording, read_stereo
from .timing import CallTiming, TimingOptions, measure

PROBES_SCHEMA = "crosstalk.probes/1"


def analyze(recording: StereoRecording, activity: ActivityOptions | None = None) -> CallTiming:
    rate = recording.sample_rate
    spans = {
        side: [(s / rate, e / rate) for s, e in speech_segments(samples, rate, activity)]
        for side, samples in (("caller", recording.caller), ("agent", recording.agent))
    }
    return measure(spans["caller"], spans["agent"], recording.duration_s)


def analyze_recording(path: Path, caller_channel: int = 0, agent_channel: int = 1) -> CallTiming:
    return analyze(read_stereo(path, caller_channel, agent_channel))


def write_session_probes(session_dir: Path) -> dict[str, Any]:
    """Timing of a session (probes.json), from `call_dry.wav` when there is one.

    A link with added noise also records the call without it (same timeline, losses, jitter and
    band): steady noise would look like speech to the probes, so timing is measured there.
    """
    dry = session_dir / "call_dry.wav"
    recording = dry if dry.exists() else session_dir / "call.wav"
    timing = analyze_recording(recording)
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
    (session_dir / "probes.json").write_text(json.dumps(document, indent=2) + "\n")
    return document


__all__ = [
    "PROBES_SCHEMA",
    "ActivityOptions",
    "CallTiming",
    "StereoRecording",
    "TimingOptions",
    "analyze",
    "analyze_recording",
    "measure",
    "read_stereo",
    "speech_segments",
    "write_session_probes",
]
