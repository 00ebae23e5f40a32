"""The harness's own timing health during a call, and whether the call's timing can be trusted.

Every latency crosstalk reports is read from a recording that the harness itself paces. When the
harness falls behind (an overloaded machine, too many sessions at once, a blocking call on the
event loop), frames leave late and events fire late, and the measured latencies include the
harness's delay. Three figures show it: how late each 20 ms frame left (`PacingStats`, measured
by the transport), how late the event loop wakes from a timed sleep (`LoopLagMonitor`), and how
long the simulated caller itself took to answer (`caller_lag`: its speech-to-text, its brain and
its voice before the first audio). A caller seconds behind answers late, the agent hears silence
the persona never meant (and may prompt "No rush..."), and the call can run out of time. Beyond
the thresholds below, a session's timing is marked untrustworthy: its timing budgets are not
judged, and a call cut short by a limit is inconclusive rather than the agent's failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..probes.budgets import BudgetCheck, checks_json
from ..transport.clock import lateness_summary

# A frame a whole frame (20 ms) late in more than 1 % of ticks: the recording's timing is off by
# about as much as the smallest step a probe can resolve.
PACING_P99_LIMIT_MS = 20.0
# The event loop routinely wakes 1-2 ms late (timer rounding); 20 ms at p99 means it is
# persistently busy, and one stall of 100 ms shifts an event or a frame by a tenth of a second.
LOOP_LAG_P99_LIMIT_MS = 20.0
LOOP_LAG_MAX_LIMIT_MS = 100.0
# The simulated caller's own processing per reply (hearing + thinking + speaking). The reference
# agent prompts a caller who has not answered after 4 s ("No rush..."): a caller slower than that
# is no longer the persona the scenario describes. Idle, the offline caller takes about 0.5 s.
CALLER_LAG_MAX_S = 4.0
_LOOP_LAG_INTERVAL_S = 0.05
# which caller-side livekit metric measures which part of its lag, and its field
_CALLER_LAG_PARTS = {
    "eou_metrics": ("hearing", "transcription_delay"),
    "llm_metrics": ("thinking", "ttft"),
    "tts_metrics": ("speaking", "ttfb"),
}
NOT_JUDGED = "not judged: timing untrustworthy"


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


@dataclass(frozen=True)
class TimingTrust:
    """Whether a session's timing reflects the agent, and if not, why not."""

    trusted: bool
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"trusted": self.trusted, "reasons": list(self.reasons)}


def assess_timing(
    pacing: dict[str, Any], loop_lag: dict[str, Any], lag: dict[str, Any] | None = None
) -> TimingTrust:
    """Untrusted when frame pacing, the event loop or the simulated caller fell behind beyond
    the thresholds."""
    limits = (
        ("frame pacing p99", pacing.get("p99_ms"), PACING_P99_LIMIT_MS),
        ("event-loop lag p99", loop_lag.get("p99_ms"), LOOP_LAG_P99_LIMIT_MS),
        ("event-loop lag max", loop_lag.get("max_ms"), LOOP_LAG_MAX_LIMIT_MS),
    )
    reasons = [
        f"{name} {measured:.1f} ms > {limit:.0f} ms: the harness fell behind"
        for name, measured, limit in limits
        if measured is not None and measured > limit
    ]
    slowest = (lag or {}).get("max_s")
    if slowest is not None and slowest > CALLER_LAG_MAX_S:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in (lag or {}).get("worst", {}).items())
        reasons.append(
            f"simulated caller lag max {slowest:.1f} s > {CALLER_LAG_MAX_S:.0f} s ({parts}): "
            "the caller fell behind"
        )
    return TimingTrust(trusted=not reasons, reasons=tuple(reasons))


def judge_budgets(
    checks: list[BudgetCheck], trust: TimingTrust
) -> tuple[list[dict[str, Any]], list[str]]:
    """Budget checks for session.json and the failures they cause; none when timing is untrusted."""
    budgets = [{**check, "judged": trust.trusted} for check in checks_json(checks)]
    if not trust.trusted:
        return [{**check, "note": NOT_JUDGED} for check in budgets], []
    return budgets, [check.reason() for check in checks if not check.passed]


__all__ = [
    "CALLER_LAG_MAX_S",
    "LOOP_LAG_MAX_LIMIT_MS",
    "LOOP_LAG_P99_LIMIT_MS",
    "NOT_JUDGED",
    "PACING_P99_LIMIT_MS",
    "LoopLagMonitor",
    "TimingTrust",
    "assess_timing",
    "caller_lag",
    "judge_budgets",
]
