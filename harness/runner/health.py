"""The harness's own timing health during a call, measured (`judging.budgets` decides from it
whether the call's timing can be trusted).

Every latency crosstalk reports is read from a recording that the harness itself paces. When the
harness falls behind (an overloaded machine, too many sessions at once, a blocking call on the
event loop), frames leave late and events fire late, and the measured latencies include the
harness's delay. Three figures show it: how late each 20 ms frame left (`PacingStats`, measured
by the transport), how late the event loop wakes from a timed sleep (`LoopLagMonitor`), and how
long the simulated caller itself took to answer (`caller_lag`: its speech-to-text, its brain and
its voice before the first audio). A caller seconds behind answers late, the agent hears silence
the persona never meant (and may prompt "No rush..."), and the call can run out of time.
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
}


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


def caller_lag(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The simulated caller's processing lag per reply, from its livekit metrics in the events:
    hearing (end of the agent's speech to the caller's transcript), thinking (its brain's time to
    first token) and speaking (its voice's time to first audio), in seconds."""
    replies: dict[str, dict[str, float]] = {}
    for record in records:
        if record.get("side") != "caller" or record.get("type") != "metrics_collected":
            continue
        metrics = (record.get("data") or {}).get("metrics") or {}
        part = _CALLER_LAG_PARTS.get(metrics.get("type"))
        value = metrics.get(part[1]) if part else None
        if part and metrics.get("speech_id") and isinstance(value, int | float):
            replies.setdefault(metrics["speech_id"], {}).setdefault(part[0], float(value))
    if not replies:
        return {"replies": 0}
    totals = [sum(parts.values()) for parts in replies.values()]
    worst = max(replies.values(), key=lambda parts: sum(parts.values()))
    return {
        "replies": len(replies),
        "p50_s": round(float(np.percentile(totals, 50)), 3),
        "max_s": round(max(totals), 3),
        "worst": {name: round(value, 3) for name, value in worst.items()},
    }


__all__ = ["LoopLagMonitor", "caller_lag"]
