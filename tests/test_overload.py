"""More calls than the machine can pace: the harness notices and calls its own timing untrustworthy.

Six real in-process links share one event loop, and every frame each side hears costs 6 ms of
CPU (a stand-in for models that are too heavy for the machine): 72 ms of work per 20 ms tick, so
no machine can keep time. Each session's own pacing and loop-lag figures must say so.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from crosstalk_harness.judging.budgets import assess_timing
from crosstalk_harness.runner.health import LoopLagMonitor
from crosstalk_harness.transport import InProcessTransport

pytestmark = pytest.mark.e2e  # real clock: in the one real-time lane (conftest.py)

SESSIONS = 6
BURN_S = 0.006
CALL_S = 1.0


def _burn(_heard_until_s: float, _frame: object) -> None:
    deadline = time.perf_counter() + BURN_S
    while time.perf_counter() < deadline:
        pass


async def _overloaded_calls(tmp_path) -> list:
    monitor = LoopLagMonitor()
    monitor.start()
    transports = [InProcessTransport() for _ in range(SESSIONS)]
    for transport in transports:
        for role in ("agent", "caller"):
            transport.end_for(role).audio_input.listeners.append(_burn)
    for index, transport in enumerate(transports):
        await transport.start(tmp_path / f"call-{index}.wav")
    await asyncio.sleep(CALL_S)
    for transport in transports:
        await transport.stop()
    await monitor.stop()
    return [assess_timing(t.pacing.summary(), monitor.summary()) for t in transports]


def test_overloaded_sessions_are_marked_untrustworthy(tmp_path):
    verdicts = asyncio.run(_overloaded_calls(tmp_path))
    assert len(verdicts) == SESSIONS
    for trust in verdicts:
        assert trust.trusted is False
        assert any("frame pacing p99" in reason for reason in trust.reasons), trust.reasons
