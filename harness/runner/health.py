"""The harness's own timing health during a call, measured (`judging.budgets` decides from it
whether the call's timing can be trusted).

Every latency crosstalk reports is read from a recording that the harness itself paces. When the
harness falls behind (an overloaded machine, too many sessions at once, a blocking call on the
event loop), frames leave late and events fire late, and the measured latencies include the
harness's delay. These figures show it: how late each 20 ms frame left (`PacingStats`, measured
by the transport), how late the event loop wakes from a timed sleep (`LoopLagMonitor`), and how
long the simulated caller itself took to answer (`caller_lag`: its speech-to-text, its brain and
its voice before the first audio, without the persona's deliberate waits). A caller seconds
behind answers late, the agent hears silence the persona never meant (and may prompt "No
rush..."), and the call can run out of time. On the agent side, a local agent's speech models
slower than real time (`agent_lag`) mean the machine, not the agent, set its pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..transport.clock import lateness_summary

_LOOP_LAG_INTERVAL_S = 0.05
# which caller-side livekit metric measures which part of its lag, and its field
_CALLER_LAG_PARTS = {
    "eou_metrics": ("hearing", "transcription_delay"),
    "llm_metrics": ("thinking", "ttft"),
    "tts_metrics": ("speaking", "ttfb"),
    "realtime_model_metrics": ("thinking", "ttft"),  # a realtime caller: its model's turnaround
}
# the agent side's speech models, whose pace against real time shows a machine falling behind
_AGENT_MODELS = {"stt_metrics": "speech-to-text", "tts_metrics": "speech synthesis"}


@dataclass
class LoopLagMonitor:
    """Measures how late a periodic `asyncio.sleep` wakes up, while it runs on the loop."""

    interval_s: float = _LOOP_LAG_INTERVAL_S
    lag_s: list[float] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="crosstalk-loop-lag")

    async def _watch(self) -> None:
        while True:
            due = time.monotonic() + self.interval_s
            await asyncio.sleep(self.interval_s)
            self.lag_s.append(max(0.0, time.monotonic() - due))

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def summary(self) -> dict[str, float | int]:
        return lateness_summary(self.lag_s, count_key="samples")


def _metrics(records: list[dict[str, Any]], side: str) -> list[tuple[float, dict[str, Any]]]:
    """(session time, livekit metrics) of every `metrics_collected` event of `side`."""
    found = []
    for record in records:
        if record.get("side") == side and record.get("type") == "metrics_collected":
            metrics = (record.get("data") or {}).get("metrics")
            if isinstance(metrics, dict) and isinstance(record.get("t"), int | float):
                found.append((float(record["t"]), metrics))
    return found


def _deliberate_waits(records: list[dict[str, Any]]) -> list[tuple[float, float]]:
    """The caller's deliberate waits (`caller_waited`: reaction, stall, hold, listening)."""
    waits = []
    for record in records:
        data = record.get("data") or {}
        if record.get("side") == "caller" and record.get("type") == "caller_waited":
            began, until = data.get("from_s"), data.get("until_s")
            if isinstance(began, int | float) and isinstance(until, int | float):
                waits.append((float(began), float(until)))
    return waits


def _waited_within(start_s: float, end_s: float, waits: list[tuple[float, float]]) -> float:
    return sum(max(0.0, min(end_s, until) - max(start_s, began)) for began, until in waits)


def _lag_part(
    at_s: float, metrics: dict[str, Any], waits: list[tuple[float, float]]
) -> tuple[str, str, float, float] | None:
    """(reply key, part, processing seconds, deliberate seconds left out) of one metric."""
    kind = metrics.get("type")
    part = _CALLER_LAG_PARTS.get(kind)  # type: ignore[arg-type]
    key = metrics.get("request_id" if kind == "realtime_model_metrics" else "speech_id")
    value = metrics.get(part[1]) if part else None
    if part is None or not key or not isinstance(value, int | float) or value < 0:
        return None
    waited = 0.0
    duration = metrics.get("duration")
    if kind == "llm_metrics" and isinstance(duration, int | float):
        # the brain's time to first token spans its deliberate waits; the metric is emitted
        # when the reply's stream ends, `duration` after the request began
        began = at_s - duration
        waited = min(float(value), _waited_within(began, began + value, waits))
    return str(key), part[0], float(value) - waited, waited


def caller_lag(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The simulated caller's processing lag per reply, from its livekit metrics in the events:
    hearing (end of the agent's speech to the caller's transcript), thinking (its brain's or its
    realtime model's time to first token) and speaking (its voice's time to first audio), in
    seconds. The persona's deliberate waits (`caller_waited`) are not lag and are left out."""
    waits = _deliberate_waits(records)
    replies: dict[str, dict[str, float]] = {}
    left_out = 0.0
    for at_s, metrics in _metrics(records, "caller"):
        found = _lag_part(at_s, metrics, waits)
        if found is not None and found[1] not in replies.get(found[0], {}):
            replies.setdefault(found[0], {})[found[1]] = found[2]
            left_out += found[3]
    if not replies:
        return {"replies": 0}
    totals = [sum(parts.values()) for parts in replies.values()]
    worst = max(replies.values(), key=lambda parts: sum(parts.values()))
    return {
        "replies": len(replies),
        "p50_s": round(float(np.percentile(totals, 50)), 3),
        "max_s": round(max(totals), 3),
        "worst": {name: round(value, 3) for name, value in worst.items()},
        "deliberate_waits_s": round(left_out, 3),
    }


def agent_lag(records: list[dict[str, Any]]) -> dict[str, Any]:
    """How fast the agent side's own speech models ran against real time: per model, seconds of
    processing per second of audio over the call (`real_time_factor`; above 1 it fell behind:
    the machine, not the agent's design, when its models share this machine). From the agent
    session's livekit metrics in the events (a remote agent's are not here: none)."""
    totals: dict[str, list[float]] = {}
    for _, metrics in _metrics(records, "agent"):
        model = _AGENT_MODELS.get(metrics.get("type"))  # type: ignore[arg-type]
        processing, audio = metrics.get("duration"), metrics.get("audio_duration")
        if model is None or metrics.get("streamed") and model == "speech-to-text":
            continue  # a streaming recogniser's duration is not its processing time
        if isinstance(processing, int | float) and isinstance(audio, int | float) and audio > 0:
            sums = totals.setdefault(model, [0.0, 0.0, 0.0])
            sums[0], sums[1], sums[2] = sums[0] + processing, sums[1] + audio, sums[2] + 1
    return {
        model: {
            "requests": int(count),
            "processing_s": round(processing, 3),
            "audio_s": round(audio, 3),
            "real_time_factor": round(processing / audio, 3),
        }
        for model, (processing, audio, count) in totals.items()
    }


__all__ = ["LoopLagMonitor", "agent_lag", "caller_lag"]
