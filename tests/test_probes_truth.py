"""The probes against ground truth: synthetic and TTS calls at 16, 24 and 48 kHz, clean and with
steady noise 30 dB below speech. Every response and interruption is found (none missed, none
extra) and the p95 error of latency, stop latency and recovery is at most 20 ms."""

from __future__ import annotations

import numpy as np
import pytest
from crosstalk_harness.probes import StereoRecording, analyze
from crosstalk_harness.testing.synthetic_calls import build_call

CALLS_PER_CASE = 4
P95_LIMIT_MS = 20.0


def _errors_for(rate: int, noise_db_below: float | None, tts: bool) -> dict[str, list[float]]:
    errors: dict[str, list[float]] = {"latency": [], "stop": [], "recovery": []}
    for seed in range(CALLS_PER_CASE):
        caller, agent, truth = build_call(rate, seed, noise_db_below=noise_db_below, tts=tts)
        timing = analyze(StereoRecording(rate, caller, agent))
        assert len(timing.responses) == len(truth.responses), (seed, timing.responses)
        assert len(timing.interruptions) == len(truth.interruptions), (seed, timing.interruptions)
        assert len(timing.backchannels) == truth.backchannels, (seed, timing.backchannels)
        assert not any(i.missed or i.false for i in timing.interruptions)
        for found, (caller_end, agent_start) in zip(timing.responses, truth.responses, strict=True):
            errors["latency"].append(abs(found.latency_ms - (agent_start - caller_end) * 1000))
        truths = zip(truth.interruptions, truth.interruption_caller_ends, strict=True)
        for found, ((start, stop, recovery_at), caller_end) in zip(
            timing.interruptions, truths, strict=True
        ):
            errors["stop"].append(abs(found.stop_latency_ms - (stop - start) * 1000))
            errors["recovery"].append(abs(found.recovery_ms - (recovery_at - caller_end) * 1000))
    return errors


@pytest.mark.parametrize("rate", [16_000, 24_000, 48_000])
@pytest.mark.parametrize("noise_db_below", [None, 30.0], ids=["clean", "noise-30dB"])
@pytest.mark.parametrize("tts", [False, True], ids=["speech-like", "tts"])
def test_probe_timing_matches_ground_truth(rate, noise_db_below, tts):
    errors = _errors_for(rate, noise_db_below, tts)
    for metric, values in errors.items():
        p95 = float(np.percentile(values, 95))
        assert p95 <= P95_LIMIT_MS, (
            f"{metric}: p95 error {p95:.1f} ms, errors {np.round(values, 1)}"
        )


def test_greeting_latency_is_call_start_to_first_agent_audio():
    caller, agent, _ = build_call(16_000, 1, noise_db_below=None, tts=False)
    timing = analyze(StereoRecording(16_000, caller, agent))
    first_agent_sample = int(np.flatnonzero(agent)[0])
    assert timing.summary["greeting_latency_ms"] == pytest.approx(first_agent_sample / 16, abs=2)


def test_a_silent_channel_has_no_segments_and_no_events():
    rate = 16_000
    caller, _, _ = build_call(rate, 2, noise_db_below=30.0, tts=False)
    timing = analyze(StereoRecording(rate, caller, np.zeros_like(caller)))
    assert timing.segments["agent"] == [] and timing.responses == []
    assert timing.summary["greeting_latency_ms"] is None
