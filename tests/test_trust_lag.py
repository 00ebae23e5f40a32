"""Timing trust from recorded event sequences: the caller's lag is its processing only (its
persona's deliberate waits are left out), a realtime caller's lag counts, the agent side's
speech models falling behind real time make the timing untrusted, and what reads the clock
(the max_duration check, rubrics that see the probes, the trend chart) is not judged on it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from crosstalk_harness.judging.budgets import assess_timing
from crosstalk_harness.judging.judge import run_checks, run_rubrics
from crosstalk_harness.judging.session_data import SessionData
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.judging.spec import SuccessConfig
from crosstalk_harness.reports.charts import trend_points
from crosstalk_harness.reports.loading import load_run
from crosstalk_harness.reports.results import results_document
from crosstalk_harness.rundir.models import Turn
from crosstalk_harness.runner.health import agent_lag, caller_lag
from crosstalk_harness.testing.run_dirs import FakeSession, write_run
from livekit.agents import llm

from .test_caller_hold import _agent_said, _caller

IDLE = {"p99_ms": 1.0, "max_ms": 3.0}


def _metric(t: float, side: str, **metrics: Any) -> dict[str, Any]:
    return {"t": t, "side": side, "type": "metrics_collected", "data": {"metrics": metrics}}


def _waited(why: str, from_s: float, until_s: float) -> dict[str, Any]:
    data = {"why": why, "from_s": from_s, "until_s": until_s}
    return {"t": until_s, "side": "caller", "type": "caller_waited", "data": data}


def _reply(speech: str, *, asked_at: float, ttft: float) -> list[dict[str, Any]]:
    """One caller reply's metrics: hearing 0.4 s, thinking `ttft` (asked at `asked_at`, the
    stream ending 0.05 s after the first token), speaking 0.3 s."""
    ended = asked_at + ttft + 0.05
    return [
        _metric(asked_at, "caller", type="eou_metrics", transcription_delay=0.4, speech_id=speech),
        _metric(
            ended, "caller", type="llm_metrics", ttft=ttft, duration=ttft + 0.05, speech_id=speech
        ),
        _metric(ended + 0.3, "caller", type="tts_metrics", ttfb=0.3, speech_id=speech),
    ]


def test_a_five_second_stall_is_not_caller_lag():
    stalled = [*_reply("s1", asked_at=0.9, ttft=5.25), _waited("stall", 1.0, 6.0)]
    lag = caller_lag(stalled)
    assert lag["worst"] == {"hearing": 0.4, "thinking": 0.25, "speaking": 0.3}
    assert lag["max_s"] == 0.95 and lag["deliberate_waits_s"] == 5.0
    assert assess_timing(IDLE, IDLE, lag).trusted

    # the same seconds with no deliberate wait behind them are the caller falling behind
    slow = caller_lag(_reply("s1", asked_at=0.9, ttft=5.25))
    assert slow["max_s"] == 5.95
    trust = assess_timing(IDLE, IDLE, slow)
    assert not trust.trusted and "caller fell behind" in trust.reasons[0]


def test_holding_for_an_agent_that_stalls_and_listening_to_it_are_not_caller_lag():
    """agent_stall at --concurrency 2: the caller held while the agent stalled (3 s), then
    listened to its answer (2.8 s) before replying; its brain took 6.7 s to the first token."""
    records = [
        *_reply("s1", asked_at=1.5, ttft=6.7),
        _waited("reaction", 1.5, 1.7),
        _waited("hold", 2.0, 5.0),
        _waited("listening", 5.2, 8.0),
    ]
    lag = caller_lag(records)
    assert lag["worst"]["thinking"] == 0.7  # 6.7 - 0.2 - 3.0 - 2.8
    assert assess_timing(IDLE, IDLE, lag).trusted


def test_a_wait_outside_the_reply_takes_nothing_off_it():
    records = [*_reply("s1", asked_at=10.0, ttft=4.5), _waited("stall", 2.0, 7.0)]
    assert caller_lag(records)["worst"]["thinking"] == 4.5


def test_an_openai_realtime_callers_lag_is_counted():
    records = [
        _metric(3.0, "caller", type="realtime_model_metrics", request_id="r1", ttft=0.6),
        _metric(9.0, "caller", type="realtime_model_metrics", request_id="r2", ttft=5.2),
        _metric(9.5, "caller", type="realtime_model_metrics", request_id="r3", ttft=-1),
        _metric(9.5, "agent", type="realtime_model_metrics", request_id="a1", ttft=9.0),
    ]
    lag = caller_lag(records)
    assert lag["replies"] == 2 and lag["max_s"] == 5.2
    assert not assess_timing(IDLE, IDLE, lag).trusted


def _speech_models(stt: list[tuple[float, float]], tts: list[tuple[float, float]]) -> list[Any]:
    return [
        *(
            _metric(1.0, "agent", type="stt_metrics", duration=d, audio_duration=a, streamed=False)
            for d, a in stt
        ),
        *(_metric(2.0, "agent", type="tts_metrics", duration=d, audio_duration=a) for d, a in tts),
        _metric(3.0, "agent", type="stt_metrics", duration=0.0, audio_duration=3.0, streamed=True),
        _metric(3.0, "caller", type="tts_metrics", duration=9.0, audio_duration=1.0),
    ]


def test_agent_speech_models_keeping_up_with_real_time_are_trusted():
    lag = agent_lag(_speech_models(stt=[(0.3, 1.5), (0.4, 0.5)], tts=[(0.2, 2.0)]))
    assert lag["speech-to-text"] == {
        "requests": 2,
        "processing_s": 0.7,
        "audio_s": 2.0,
        "real_time_factor": 0.35,
    }
    assert lag["speech synthesis"]["real_time_factor"] == 0.1
    assert assess_timing(IDLE, IDLE, {"replies": 0}, lag).trusted


def test_agent_speech_models_slower_than_real_time_make_the_timing_untrusted():
    lag = agent_lag(_speech_models(stt=[(0.3, 1.5)], tts=[(2.4, 2.0), (1.0, 1.0)]))
    trust = assess_timing(IDLE, IDLE, {"replies": 0}, lag)
    assert not trust.trusted
    assert trust.reasons == (
        "agent speech synthesis 1.13 s per second of audio > 1: the agent side fell behind "
        "real time",
    )
    assert agent_lag([]) == {}  # a remote agent's models are not watched here


def _session(tmp_path, trusted: bool) -> SessionData:
    trust = {"trusted": trusted, "reasons": [] if trusted else ["frame pacing p99 31.0 ms > 20 ms"]}
    return SessionData(
        tmp_path,
        (Turn(speaker="agent", text="Hello.", start_s=0.5, end_s=1.5),),
        session={"result": {"duration_s": 95.0, "timing_trust": trust}},
    )


def test_max_duration_is_not_judged_on_untrusted_timing(tmp_path):
    success = SuccessConfig.model_validate({"checks": [{"max_duration": {"seconds": 60}}]})
    [untrusted] = run_checks(_session(tmp_path, trusted=False), success)
    assert untrusted.status == "not_run"
    assert untrusted.reason.startswith("not judged: timing untrustworthy (frame pacing p99")
    [trusted] = run_checks(_session(tmp_path, trusted=True), success)
    assert trusted.status == "failed"  # 95 s > 60 s: judged when the clock can be trusted
    must_say = SuccessConfig.model_validate({"checks": [{"must_say": {"pattern": "goodbye"}}]})
    [words] = run_checks(_session(tmp_path, trusted=False), must_say)
    assert words.status == "failed"  # what was said is evidence whatever the clock did


async def test_a_rubric_that_sees_the_probes_is_not_judged_on_untrusted_timing(tmp_path):
    success = SuccessConfig.model_validate({"rubrics": ["turn_taking"]})
    settings = JudgeSettings(model="judge", base_url="http://127.0.0.1:9/v1", api_key="none")
    [verdict], usage = await run_rubrics(_session(tmp_path, trusted=False), success, settings, None)
    assert verdict.status == "not_run" and "timing untrustworthy" in verdict.reason
    assert usage.prompt_tokens == 0  # the judge was never asked


def test_the_trend_leaves_out_sessions_with_untrusted_timing(tmp_path):
    untrusted = {"trusted": False, "reasons": ["event-loop lag max 240.0 ms > 100 ms"]}
    run = write_run(
        tmp_path,
        [
            FakeSession(latencies_ms=[700.0, 700.0]),
            FakeSession(latencies_ms=[9000.0, 9000.0], timing_trust=untrusted, persona="other"),
        ],
    )
    document = results_document(load_run(run))
    [(_, p50, p95, _, pass_rate)] = trend_points([document])
    assert p50 == p95 == 700.0
    assert pass_rate == 1.0


async def test_the_scripted_callers_hold_and_listening_are_reported_as_deliberate_waits():
    caller, hearing, reports = _caller(hold_s=8.0)
    _agent_said(caller, hearing, "Let me check that for you.")
    reply = asyncio.create_task(caller.next_line(llm.ChatContext.empty()))
    await asyncio.sleep(0.3)  # holding
    hearing.speaking = True  # the agent is back and talks for a while
    await asyncio.sleep(0.4)
    _agent_said(caller, hearing, "Thanks for waiting. Your order arrives on Friday.")
    await asyncio.wait_for(reply, timeout=3.0)
    waits = {
        data["why"]: data["until_s"] - data["from_s"]
        for kind, data in reports
        if kind == "caller_waited"
    }
    assert set(waits) == {"hold", "listening"}
    assert waits["hold"] == pytest.approx(0.3, abs=0.1)
    assert waits["listening"] == pytest.approx(0.4, abs=0.1)
