"""The agent's own view of each response, from livekit-agents' metrics in `events.jsonl`.

Beside what the caller heard (the probes), this shows where the agent thinks the time went:
end-of-utterance delay, transcription delay, LLM time-to-first-token, TTS time-to-first-byte and
its own end-to-end latency. Timestamps are mapped onto the session clock through each event's
pair of (session time, wall time).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .timing import Response

_MATCH_WITHIN_S = 1.0


def _load(events_path: Path) -> list[dict[str, Any]]:
    lines = events_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _wall_offset(events: list[dict[str, Any]]) -> float | None:
    """Wall time minus session time, from any event that carries both."""
    for event in events:
        created = event.get("data", {}).get("created_at")
        if isinstance(created, int | float):
            return created - event["t"]
    return None


def _ms(seconds: Any) -> float | None:
    return round(seconds * 1000, 1) if isinstance(seconds, int | float) else None


def _turn_text(turns: list[dict[str, Any]], speaker: str, at_s: float) -> str | None:
    """What `speaker` said in the transcript turn nearest to `at_s`, within a second."""
    candidates = [t for t in turns if t["speaker"] == speaker and t.get("start_s") is not None]
    nearest = min(
        candidates,
        key=lambda t: (
            0.0
            if t["start_s"] <= at_s <= t["end_s"]
            else min(abs(t["start_s"] - at_s), abs(t["end_s"] - at_s))
        ),
        default=None,
    )
    if nearest is None or not nearest["start_s"] - _MATCH_WITHIN_S <= at_s <= (
        nearest["end_s"] + _MATCH_WITHIN_S
    ):
        return None
    return nearest["text"]


def label_responses(transcript_path: Path, responses: list[Response]) -> list[dict[str, Any]]:
    """Per response: what the caller had just said and what the agent answered, if known."""
    if not transcript_path.is_file():
        return []
    turns = json.loads(transcript_path.read_text(encoding="utf-8")).get("turns", [])
    return [
        {
            "caller_end_s": response.caller_end_s,
            "caller_said": _turn_text(turns, "caller", response.caller_end_s),
            "agent_said": _turn_text(turns, "agent", response.agent_start_s),
        }
        for response in responses
    ]


def agent_view(events_path: Path, responses: list[Response]) -> list[dict[str, Any]]:
    """Per response: the probe's latency and the agent's own metrics for the same reply."""
    if not events_path.is_file():
        return []
    events = [e for e in _load(events_path) if e.get("side") == "agent"]
    offset = _wall_offset(events)
    if offset is None:
        return []
    replies, end_of_turns = [], []
    for event in events:
        data = event.get("data", {})
        item = data.get("item", {})
        if event["type"] == "conversation_item_added" and item.get("role") == "assistant":
            metrics = item.get("metrics", {})
            if "started_speaking_at" in metrics:
                replies.append((metrics["started_speaking_at"] - offset, metrics))
        metrics = data.get("metrics", {})
        if event["type"] == "metrics_collected" and metrics.get("type") == "eou_metrics":
            end_of_turns.append((metrics["timestamp"] - offset, metrics))

    rows = []
    for response in responses:
        nearest = min(replies, key=lambda r: abs(r[0] - response.agent_start_s), default=None)
        if nearest is None or abs(nearest[0] - response.agent_start_s) > _MATCH_WITHIN_S:
            continue
        started_at, metrics = nearest
        eou = max((e for e in end_of_turns if e[0] <= started_at), key=lambda e: e[0], default=None)
        eou_metrics = eou[1] if eou else {}
        rows.append(
            {
                "agent_start_s": response.agent_start_s,
                "heard_latency_ms": response.latency_ms,
                "agent_e2e_latency_ms": _ms(metrics.get("e2e_latency")),
                "end_of_utterance_delay_ms": _ms(eou_metrics.get("end_of_utterance_delay")),
                "transcription_delay_ms": _ms(eou_metrics.get("transcription_delay")),
                "llm_ttft_ms": _ms(metrics.get("llm_node_ttft")),
                "tts_ttfb_ms": _ms(metrics.get("tts_node_ttfb")),
                "agent_started_speaking_s": round(started_at, 3),
            }
        )
    return rows
