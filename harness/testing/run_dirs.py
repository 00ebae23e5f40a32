"""Small run directories built in code, in the layout of docs/run-directory.md.

Each session gets a short stereo WAV whose bursts sit where its transcript and probes say, so the
report's player, timeline and tables line up as they do for a real call; latencies, statuses,
judgements, reviews and agent events are whatever a test asks for.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from crosstalk_harness.rundir.files import write_json, write_jsonl
from crosstalk_harness.rundir.layout import RunPaths, SessionPaths

RATE = 16_000
DEFAULT_LINES = (
    ("agent", "Thank you for calling, how can I help?"),
    ("caller", "Where is my order?"),
    ("agent", "It shipped yesterday and arrives on Friday."),
    ("caller", "Thanks, goodbye."),
    ("agent", "Goodbye!"),
)


@dataclass
class FakeSession:
    scenario: str = "order_status"
    persona: str = "caller"
    repeat: int = 0
    repeats: int = 1
    tags: list[str] = field(default_factory=list)
    variant: str = ""
    status: str = "completed"
    failures: list[str] = field(default_factory=list)
    lines: tuple[tuple[str, str], ...] = DEFAULT_LINES
    latencies_ms: list[float] | None = None  # one per caller → agent reply; default 800 ms
    turn_s: float = 1.2
    judgement: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    agent_events: list[dict[str, Any]] = field(default_factory=list)
    budgets: dict[str, float] = field(default_factory=lambda: {"response_latency_p95_ms": 3000.0})
    write_wav: bool = True
    timing_trust: dict[str, Any] | None = None  # session.json's; none: trusted, as by default
    mode: str = "audio"  # "text": a text-mode session (its id ends "-text", no budgets measured)
    success: dict[str, Any] = field(default_factory=dict)  # the scenario's `success:` section
    heard_as: dict[int, str] = field(default_factory=dict)  # turn number -> what was heard


def _layout(spec: FakeSession) -> tuple[list[dict[str, Any]], list[dict[str, Any]], float]:
    """Turns with times, the probes' responses, and the call's duration."""
    replies = sum(
        1
        for before, after in zip(spec.lines, spec.lines[1:], strict=False)
        if before[0] == "caller" and after[0] == "agent"
    )
    latencies = list(spec.latencies_ms or [800.0] * replies)
    turns, responses, t = [], [], 0.3
    previous = None
    for number, (speaker, text) in enumerate(spec.lines, start=1):
        if previous == "caller" and speaker == "agent":
            latency = latencies.pop(0) if latencies else 800.0
            start = t + latency / 1000
            response = {"caller_end_s": round(t, 3), "agent_start_s": round(start, 3)}
            responses.append({**response, "latency_ms": latency})
        else:
            start = t + 0.7
        end = start + spec.turn_s
        turns.append(
            {
                "speaker": speaker,
                "text": text,
                "start_s": round(start, 3),
                "end_s": round(end, 3),
                "interrupted": False,
                "heard_as": spec.heard_as.get(number, text),
            }
        )
        t, previous = end, speaker
    return turns, responses, t + 0.5


def _write_wav(path: Path, turns: list[dict[str, Any]], duration_s: float) -> None:
    samples = np.zeros((int(duration_s * RATE), 2), dtype=np.int16)
    for turn in turns:
        channel = 0 if turn["speaker"] == "caller" else 1
        start, end = int(turn["start_s"] * RATE), int(turn["end_s"] * RATE)
        t = np.arange(end - start) / RATE
        tone = 220 if channel == 0 else 330
        samples[start:end, channel] = (8000 * np.sin(2 * np.pi * tone * t)).astype(np.int16)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())


def _percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def _summary(
    turns: list[dict[str, Any]], responses: list[dict[str, Any]], duration: float
) -> dict[str, Any]:
    """The probes.json summary of the laid-out call."""
    latencies = [r["latency_ms"] for r in responses]
    return {
        "duration_s": round(duration, 3),
        "greeting_latency_ms": round(turns[0]["start_s"] * 1000, 1) if turns else None,
        "response_latency": {
            "count": len(latencies),
            "p50_ms": _percentile(latencies, 50),
            "p95_ms": _percentile(latencies, 95),
            "max_ms": max(latencies) if latencies else None,
        },
        "interruptions": 0,
        "overlap_s": 0.0,
        "longest_silence_s": 1.0,
        "agent_talk_ratio": 0.5,
    }


def write_session(directory: Path, spec: FakeSession, session_id: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    paths = SessionPaths(directory)
    turns, responses, duration = _layout(spec)
    summary = _summary(turns, responses, duration)
    segments = {
        side: [[t["start_s"], t["end_s"]] for t in turns if t["speaker"] == side]
        for side in ("caller", "agent")
    }
    finished = spec.status in ("completed", "max_duration")
    checks = [
        {
            "budget": name,
            "limit_ms": limit,
            "measured_ms": summary["response_latency"]["p95_ms"],
            "passed": (summary["response_latency"]["p95_ms"] or 0) <= limit,
        }
        for name, limit in spec.budgets.items()
        if spec.mode == "audio"
    ]
    session = {
        "schema": "crosstalk.session/1",
        "session_id": session_id,
        "status": spec.status,
        "started_at": 1_790_000_000.0,
        "scenario_name": spec.scenario,
        "persona_name": spec.persona,
        "repeat": spec.repeat,
        "repeats": spec.repeats,
        "tags": spec.tags,
        "variant": spec.variant,
        **({"mode": spec.mode} if spec.mode != "audio" else {}),
        "scenario": {"name": spec.scenario, "budgets": spec.budgets, "success": spec.success},
        "persona": {"name": spec.persona},
        "result": {
            "session_id": session_id,
            "outcome": spec.status,
            "duration_s": round(duration, 3),
            "error": None if finished or spec.status != "error" else "RuntimeError: boom",
            "timing": summary,
            "budgets": checks,
            "failures": spec.failures,
            **({"timing_trust": spec.timing_trust} if spec.timing_trust is not None else {}),
        }
        if spec.status != "running"
        else None,
    }
    write_json(paths.session, session)
    if spec.status == "running":
        return directory  # a run that died mid-call leaves little more than this
    write_json(paths.transcript, {"turns": turns}, indent=None)
    probes = {
        "schema": "crosstalk.probes/1",
        "segments": segments,
        "responses": responses,
        "interruptions": [],
        "backchannels": [],
        "summary": summary,
    }
    if spec.mode == "audio":  # a text session records nothing, so nothing is probed
        write_json(paths.probes, probes, indent=None)
    events = [
        {"t": 0.0, "side": "harness", "type": "call_started", "data": {"sample_rate": RATE}},
        {"t": 0.1, "side": "agent", "type": "metrics_collected", "data": {}},
        {"t": duration, "side": "harness", "type": "call_ended", "data": {"outcome": spec.status}},
    ]
    write_jsonl(paths.events, events)
    if spec.write_wav and spec.mode == "audio":
        _write_wav(paths.recording, turns, duration)
    if spec.judgement is not None:
        write_json(paths.judgement, spec.judgement, indent=None)
    if spec.review is not None:
        write_json(paths.review, spec.review, indent=None)
    if spec.agent_events:
        write_jsonl(paths.agent_events, spec.agent_events)
    return directory


def write_run(
    root: Path,
    sessions: list[FakeSession],
    *,
    run_id: str = "20260101-000000-test",
    run_json: bool = True,
    cancelled: bool = False,
    errors: tuple[str, ...] = (),
    not_run: tuple[str, ...] = (),
) -> Path:
    """A run directory `root/run_id` holding the given sessions; run.json lists `errors` (the
    run's infrastructure errors) and `not_run` (sessions that never started)."""
    directory = root / run_id
    directory.mkdir(parents=True, exist_ok=True)
    entries = []
    for index, spec in enumerate(sessions, start=1):
        suffix = f"-{spec.variant}" if spec.variant else ""
        repeat = f"-r{spec.repeat + 1}" if spec.repeats > 1 else ""
        mode = f"-{spec.mode}" if spec.mode != "audio" else ""
        session_id = f"{index:02d}-{spec.scenario}{suffix}{repeat}{mode}"
        write_session(directory / session_id, spec, session_id)
        entries.append({"session_id": session_id, "outcome": spec.status})
    if run_json:
        document = {
            "schema": "crosstalk.run/1",
            "run_id": run_id,
            "passed": all(s.status == "completed" and not s.failures for s in sessions),
            "sessions": entries,
            "errors": list(errors),
            "cancelled": cancelled,
            "not_run": list(not_run),
        }
        write_json(RunPaths(directory).run, document, indent=None)
    return directory


def judgement(passed: bool = True, score: float = 0.9, **criterion: Any) -> dict[str, Any]:
    """A judgement.json with one rubric verdict and one criterion (fields overridable)."""
    item = {
        "name": "resolution",
        "score": 4,
        "max_score": 5,
        "passed": passed,
        "rationale": "The agent gave the delivery day.",
        "evidence": [{"turn": 3, "quote": "shipped yesterday", "found": True}],
        **criterion,
    }
    return {
        "schema": "crosstalk.judgement/1",
        "passed": passed,
        "score": score,
        "verdicts": [
            {
                "judge": "helpful",
                "kind": "rubric",
                "status": "passed" if passed else "failed",
                "score": score,
                "reason": "resolved the request" if passed else "never gave the delivery day",
                "criteria": [item],
            }
        ],
    }
