"""The agent's own view of each response, from livekit-agents' metrics in `events.jsonl`.

Beside what the caller heard (the probes), this shows where the agent thinks the time went:
end-of-utterance delay, transcription delay, LLM time-to-first-token, TTS time-to-first-byte and
its own end-to-end latency. A realtime model reports per response instead (time to first audio,
tokens): matched to a reply by its response id, and totalled with an estimated cost by
`model_usage`. Timestamps are mapped onto the session clock through each event's pair of
(session time, wall time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..rundir.files import read_jsonl
from ..rundir.models import Turn
from .timing import Response

_MATCH_WITHIN_S = 1.0

# USD per million tokens (OpenAI's published gpt-realtime prices, August 2025): a snapshot for
# an estimate, not a bill; a model not listed gets no cost
_PRICES_PER_M = {
    "gpt-realtime": {"text_in": 4.0, "audio_in": 32.0, "cached_in": 0.4, "text_out": 16.0,
                     "audio_out": 64.0},
}  # fmt: skip


def _load(events_path: Path) -> list[dict[str, Any]]:
    return read_jsonl(events_path).records  # a torn last line (a killed call) is skipped


def _wall_offset(events: list[dict[str, Any]]) -> float | None:
    """Wall time minus session time, from any event that carries both."""
    for event in events:
        created = event.get("data", {}).get("created_at")
        if isinstance(created, int | float):
            return created - event["t"]
    return None


def _ms(seconds: Any) -> float | None:
    return round(seconds * 1000, 1) if isinstance(seconds, int | float) else None


def _turn_text(turns: list[Turn], speaker: str, at_s: float) -> str | None:
    """What `speaker` said in the transcript turn nearest to `at_s`, within a second."""
    timed = [
        (t.start_s, t.end_s if t.end_s is not None else t.start_s, t.text)
        for t in turns
        if t.speaker == speaker and t.start_s is not None
    ]
    nearest = min(
        timed,
        key=lambda t: 0.0 if t[0] <= at_s <= t[1] else min(abs(t[0] - at_s), abs(t[1] - at_s)),
        default=None,
    )
    if nearest is None or not nearest[0] - _MATCH_WITHIN_S <= at_s <= nearest[1] + _MATCH_WITHIN_S:
        return None
    return nearest[2]


def label_responses(turns: list[Turn] | None, responses: list[Response]) -> list[dict[str, Any]]:
    """Per response: what the caller had just said and what the agent answered, if known
    (none without a transcript)."""
    if turns is None:
        return []
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
    realtime = {m["request_id"]: m for m in _realtime_metrics(events)}
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
        model = next(
            (realtime[r] for r in metrics.get("provider_request_ids", []) if r in realtime), {}
        )
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
                "realtime_ttft_ms": _ms(model.get("ttft")),
                "input_tokens": model.get("input_tokens"),
                "output_tokens": model.get("output_tokens"),
            }
        )
    return rows


def _realtime_metrics(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The realtime model's metrics of each response (the connection's own report has no id)."""
    found = []
    for event in events:
        metrics = event.get("data", {}).get("metrics", {})
        if (
            event["type"] == "metrics_collected"
            and metrics.get("type") == "realtime_model_metrics"
            and metrics.get("request_id")
        ):
            found.append(metrics)
    return found


def _cost_usd(model: str | None, metrics: list[dict[str, Any]]) -> float | None:
    prices = _PRICES_PER_M.get(model or "")
    if prices is None:
        return None
    total = 0.0
    for m in metrics:
        given, made = m.get("input_token_details", {}), m.get("output_token_details", {})
        total += given.get("text_tokens", 0) * prices["text_in"]
        total += given.get("audio_tokens", 0) * prices["audio_in"]
        total += given.get("cached_tokens", 0) * prices["cached_in"]
        total += made.get("text_tokens", 0) * prices["text_out"]
        total += made.get("audio_tokens", 0) * prices["audio_out"]
    return round(total / 1_000_000, 6)


def model_usage(events_path: Path) -> dict[str, Any] | None:
    """The agent's realtime model over the call: responses, tokens, time to first audio, cost."""
    if not events_path.is_file():
        return None
    metrics = _realtime_metrics([e for e in _load(events_path) if e.get("side") == "agent"])
    if not metrics:
        return None
    ttfts = sorted(
        m["ttft"] for m in metrics if isinstance(m.get("ttft"), int | float) and m["ttft"] >= 0
    )
    model = (metrics[0].get("metadata") or {}).get("model_name")
    return {
        "model": model,
        "responses": len(metrics),
        "cancelled": sum(1 for m in metrics if m.get("cancelled")),
        "input_tokens": sum(m.get("input_tokens", 0) for m in metrics),
        "output_tokens": sum(m.get("output_tokens", 0) for m in metrics),
        "ttft_p50_ms": _ms(ttfts[len(ttfts) // 2]) if ttfts else None,
        "ttft_max_ms": _ms(ttfts[-1]) if ttfts else None,
        "estimated_cost_usd": _cost_usd(model, metrics),
    }
