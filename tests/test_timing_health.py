"""Timing trust: when the harness itself fell behind, a session's timing is marked untrustworthy
and its budgets are not judged; and the live display of a concurrent run."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import tempfile
import time
from pathlib import Path

import pytest
from crosstalk_harness.judging.budgets import (
    CALLER_LAG_MAX_S,
    LOOP_LAG_MAX_LIMIT_MS,
    NOT_JUDGED,
    PACING_P99_LIMIT_MS,
    assess_timing,
    check_budgets,
    judge_budgets,
)
from crosstalk_harness.runner.health import LoopLagMonitor, caller_lag
from crosstalk_harness.runner.live_progress import LiveProgress
from crosstalk_harness.runner.plan import suite_concurrency
from crosstalk_harness.runner.session_result import SessionResult

from .conftest import FIXTURES

HEALTHY_PACING = {"frames": 1000, "p50_ms": 0.3, "p99_ms": 4.0, "max_ms": 12.0}
HEALTHY_LAG = {"samples": 400, "p50_ms": 1.0, "p99_ms": 3.0, "max_ms": 15.0}


def test_a_healthy_call_is_trusted():
    trust = assess_timing(HEALTHY_PACING, HEALTHY_LAG)
    assert trust.trusted and trust.to_json() == {"trusted": True, "reasons": []}


@pytest.mark.parametrize(
    "pacing,lag,named",
    [
        ({**HEALTHY_PACING, "p99_ms": PACING_P99_LIMIT_MS + 0.5}, HEALTHY_LAG, "frame pacing p99"),
        (HEALTHY_PACING, {**HEALTHY_LAG, "p99_ms": 35.0}, "event-loop lag p99"),
        (HEALTHY_PACING, {**HEALTHY_LAG, "max_ms": LOOP_LAG_MAX_LIMIT_MS + 1}, "event-loop lag"),
    ],
)
def test_falling_behind_on_any_figure_makes_timing_untrustworthy(pacing, lag, named):
    trust = assess_timing(pacing, lag)
    assert not trust.trusted
    [reason] = trust.reasons
    assert reason.startswith(named) and "harness fell behind" in reason


def test_a_figure_at_its_limit_is_still_trusted():
    lag = {**HEALTHY_LAG, "max_ms": LOOP_LAG_MAX_LIMIT_MS}
    assert assess_timing({**HEALTHY_PACING, "p99_ms": PACING_P99_LIMIT_MS}, lag).trusted


def test_budgets_of_an_untrusted_call_are_not_judged_as_the_agents_failure():
    summary = {"response_latency": {"p95_ms": 900.0}, "greeting_latency_ms": 100.0}
    checks = check_budgets({"response_latency_p95_ms": 500, "greeting_latency_ms": 800}, summary)

    budgets, failures = judge_budgets(checks, assess_timing(HEALTHY_PACING, HEALTHY_LAG))
    assert [f.text for f in failures] == [
        "response_latency_p95_ms 900.0 ms exceeds its budget of 500 ms"
    ]
    assert [(f.kind, f.source, f.timing_derived) for f in failures] == [
        ("latency", "budget:response_latency_p95_ms", True)
    ]
    assert [b["judged"] for b in budgets] == [True, True]

    untrusted = assess_timing({**HEALTHY_PACING, "p99_ms": 60.0}, HEALTHY_LAG)
    budgets, failures = judge_budgets(checks, untrusted)
    assert failures == []
    assert all(not b["judged"] and b["note"] == NOT_JUDGED for b in budgets)
    assert [b["passed"] for b in budgets] == [False, True]  # the figures stay on record


async def test_loop_lag_monitor_sees_a_blocked_loop():
    monitor = LoopLagMonitor(interval_s=0.02)
    monitor.start()
    await asyncio.sleep(0.1)
    time.sleep(0.3)  # block the loop, as a careless agent would
    await asyncio.sleep(0.1)
    await monitor.stop()
    summary = monitor.summary()
    assert summary["samples"] >= 3
    assert summary["max_ms"] >= 280  # woke at least 300 ms - one interval late
    assert not assess_timing(HEALTHY_PACING, summary).trusted


def test_suite_concurrency_is_the_default(tmp_path):
    scenario = FIXTURES / "scenarios" / "byo_agent.yaml"
    suite = tmp_path / "suite.yaml"
    suite.write_text(f"suite: pair\nscenarios: [{scenario}]\nconcurrency: 3\n")
    assert suite_concurrency([suite]) == 3
    assert suite_concurrency([scenario]) == 1
    assert suite_concurrency([scenario, suite]) == 3


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _result(session_id: str, *, trusted: bool = True, failures: list[str] | None = None):
    """A finished session's result, with the session.json its outcome is decided from."""
    reasons = [] if trusted else ["event-loop lag max 300.0 ms > 100 ms: the harness fell behind"]
    directory = Path(tempfile.mkdtemp()) / session_id
    directory.mkdir()
    result = SessionResult(
        session_id,
        str(directory),
        "completed",
        20.0,
        turns={"caller": 2, "agent": 3},
        failures=failures or [],
        timing_trust={"trusted": trusted, "reasons": reasons},
    )
    document = {
        "status": "completed",
        "scenario": {"budgets": {"response_latency_p95_ms": 3000.0}},  # asks something
        "result": dataclasses.asdict(result),
    }
    (directory / "session.json").write_text(json.dumps(document))
    return result


def test_progress_in_a_log_prints_plain_lines_with_counts_and_eta():
    stream, clock = io.StringIO(), FakeClock()
    display = LiveProgress(stream, concurrency=2, tty=False, clock=clock)
    display.run_started("/runs/x", 5)
    for session_id in ("01-a", "02-b"):
        display.session_started(session_id)
    assert display.eta_s() is None  # nothing finished yet: no estimate
    display.call_started("01-a")
    clock.now += 30
    display.session_finished("01-a", _result("01-a", trusted=False))
    display.session_started("03-c")
    clock.now += 10
    display.session_finished("02-b", _result("02-b", failures=["too slow"]))
    display.session_failed("03-c", "session 03-c failed: boom")
    display.run_finished("/runs/x", "1 passed, 1 failed, 0 inconclusive")

    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    assert lines[0] == "crosstalk: 5 session(s), 2 at a time, run directory /runs/x"
    assert "  01-a: call started" in lines
    assert "[1/5] 01-a: completed after 20.0s of audio (caller 2, agent 3 turns), passed" in lines
    untrusted = "  timing untrustworthy, budgets not judged: event-loop lag max 300.0 ms"
    assert any(line.startswith(untrusted) for line in lines)
    assert "crosstalk: 1/5 done, 1 running, 0 failed, 1 untrusted timing; elapsed 0:30" in lines[4]
    assert "  FAILED: too slow" in lines
    assert "[3/5] 03-c: FAILED: session 03-c failed: boom" in lines
    assert lines[-2].startswith("crosstalk: done, 1 with untrustworthy timing")
    assert lines[-1] == "crosstalk: 1 passed, 1 failed, 0 inconclusive"


def test_eta_spreads_queued_and_running_work_over_the_workers():
    clock = FakeClock()
    display = LiveProgress(io.StringIO(), concurrency=2, tty=False, clock=clock)
    display.run_started("/runs/x", 6)
    display.session_started("01")
    display.session_started("02")
    clock.now += 40
    display.session_finished("01", _result("01"))  # a session takes 40 s
    display.session_started("03")
    clock.now += 10
    # queued: 3 sessions x 40 s; running: 02 is past the mean (0 s left), 03 needs 30 s more;
    # spread over 2 workers
    assert display.eta_s() == pytest.approx((3 * 40 + 0 + 30) / 2)
    assert "ETA 1:15" in display.status()


def test_progress_on_a_terminal_updates_one_status_line():
    stream = io.StringIO()
    display = LiveProgress(stream, concurrency=2, tty=True, clock=FakeClock())
    display.run_started("/runs/x", 2)
    display.session_started("01-a")
    display.session_finished("01-a", _result("01-a"))
    text = stream.getvalue()
    assert text.count("\r\x1b[K") >= 2  # the status line is redrawn in place
    assert text.rsplit("\r\x1b[K", 1)[-1].startswith("crosstalk: 1/2 done, 0 running, 0 failed")
    assert "[1/2] 01-a: completed" in text


def _caller_metric(kind: str, speech_id: str, **values: float) -> dict:
    metrics = {"type": kind, "speech_id": speech_id, **values}
    return {"t": 1.0, "side": "caller", "type": "metrics_collected", "data": {"metrics": metrics}}


def test_a_simulated_caller_that_fell_seconds_behind_makes_timing_untrustworthy():
    records = [
        # reply 1: heard in 0.4 s, answered by the brain at once, first audio 50 ms later
        _caller_metric("eou_metrics", "a", transcription_delay=0.4),
        _caller_metric("llm_metrics", "a", ttft=0.01),
        _caller_metric("tts_metrics", "a", ttfb=0.05),
        _caller_metric("tts_metrics", "a", ttfb=0.9),  # a later segment: not the first audio
        # reply 2: its speech-to-text took 9 s on a starved machine
        _caller_metric("eou_metrics", "b", transcription_delay=9.0),
        _caller_metric("llm_metrics", "b", ttft=0.02),
        _caller_metric("tts_metrics", "b", ttfb=0.1),
        # the agent's own metrics are not the caller's lag
        {**_caller_metric("eou_metrics", "c", transcription_delay=30.0), "side": "agent"},
    ]
    lag = caller_lag(records)
    assert lag["replies"] == 2 and lag["max_s"] == pytest.approx(9.12)
    assert lag["worst"] == {"hearing": 9.0, "thinking": 0.02, "speaking": 0.1}
    trust = assess_timing(HEALTHY_PACING, HEALTHY_LAG, lag)
    assert not trust.trusted
    assert trust.reasons == (
        "simulated caller lag max 9.1 s > 4 s (hearing 9.0 s, thinking 0.0 s, speaking 0.1 s): "
        "the caller fell behind",
    )
    quick = caller_lag(records[:4])
    assert quick["max_s"] == pytest.approx(0.46) and quick["max_s"] < CALLER_LAG_MAX_S
    assert assess_timing(HEALTHY_PACING, HEALTHY_LAG, quick).trusted
    assert caller_lag([]) == {"replies": 0}
