"""The agent's own events (agent_events.jsonl) for the report: the few worth reading, listed;
the many metrics rows summarised as one line per model (count and totals), raw rows kept aside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .timeline import event_kind

# Chatter the transcript and timeline already show; listed only among the raw rows.
_CHATTER = {
    "agent_state_changed",
    "user_state_changed",
    "conversation_item_added",
    "transcript",
    "user_turn",
}
# Figures added up per model, and figures averaged (latencies), in the order shown.
_TOTALS = {
    "prompt_tokens": ("prompt tokens", "{:,.0f}"),
    "completion_tokens": ("completion tokens", "{:,.0f}"),
    "audio_duration": ("audio", "{:.1f} s"),
    "duration": ("busy", "{:.1f} s"),
    "inference_count": ("inferences", "{:,.0f}"),
    "inference_duration_total": ("inference time", "{:.1f} s"),
}
_MEANS = {
    "ttft": ("mean time to first token", "{:.0f} ms"),
    "ttfb": ("mean time to first byte", "{:.0f} ms"),
    "end_of_utterance_delay": ("mean end-of-turn delay", "{:.0f} ms"),
}
_IN_MS = {"ttft", "ttfb", "end_of_utterance_delay"}


def _detail(data: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in data.items())[:500]


@dataclass
class MetricLine:
    """One model's metrics over the call: e.g. `tts · EspeakTTS: 23 rows, audio 61.2 s`."""

    kind: str
    model: str
    count: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, data: dict[str, Any]) -> None:
        self.count += 1
        for key in _TOTALS:
            if isinstance(data.get(key), int | float) and not isinstance(data.get(key), bool):
                self.sums[key] = self.sums.get(key, 0.0) + float(data[key])
        for key in _MEANS:
            value = data.get(key)
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                scale = 1000.0 if key in _IN_MS else 1.0
                self.values.setdefault(key, []).append(float(value) * scale)

    @property
    def figures(self) -> str:
        parts = [
            f"{label} {form.format(self.sums[key])}"
            for key, (label, form) in _TOTALS.items()
            if key in self.sums and self.sums[key]
        ]
        parts += [
            f"{label} {form.format(sum(values) / len(values))}"
            for key, (label, form) in _MEANS.items()
            if (values := self.values.get(key))
        ]
        return ", ".join(parts)


def _model_of(data: dict[str, Any]) -> str:
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    label = str(data.get("label") or metadata.get("model_name") or "")
    return label.rsplit(".", 1)[-1] or "?"


@dataclass
class AgentEventsView:
    listed: list[dict[str, Any]]  # notable events, for the table
    metrics: list[MetricLine]  # one line per model
    raw: list[dict[str, Any]]  # every row, one click away
    kinds: dict[str, int]  # listed events per kind (tool, thinker, guardrail, other)


def agent_events_view(events: list[dict[str, Any]]) -> AgentEventsView:
    listed: list[dict[str, Any]] = []
    raw: list[dict[str, Any]] = []
    lines: dict[tuple[str, str], MetricLine] = {}
    kinds: dict[str, int] = {}
    for event in events:
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        kind_of_event = str(event.get("type", ""))
        row = {
            "t": event.get("t"),
            "type": kind_of_event,
            "kind": event_kind(event),
            "detail": _detail(data),
        }
        raw.append(row)
        if kind_of_event == "metrics":
            metric = str(data.get("type") or "metrics").removesuffix("_metrics")
            key = (metric, _model_of(data))
            lines.setdefault(key, MetricLine(*key)).add(data)
        elif kind_of_event not in _CHATTER:
            listed.append(row)
            kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    return AgentEventsView(listed, sorted(lines.values(), key=lambda m: m.kind), raw, kinds)
