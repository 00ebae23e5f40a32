"""The probes on REAL recorded human speech (harness/testing/real_speech.py): fixed sets of
calls, the same audio every run, in recorded backgrounds 35 dB below the speech. The tuning set
(16 calls) is what the analyzer's settings were chosen on; the held-out set (the clips played
faster and slower, other placements, two backgrounds the tuning never heard) was not.

Target of issues 15 and 25: p95 edge error <= 40 ms. It was 56.6 ms on the tuning set while the
breath 22-28 dB under the voice before the utterance counted as speech; the faint stretch at an
edge is now judged by its spectrum (voicing cannot tell a breath from an unvoiced consonant).
The bounds pin what the analyzer achieves so it cannot regress (benchmarks/README.md has the
figures)."""

from __future__ import annotations

import numpy as np
import pytest
from crosstalk_harness.probes import StereoRecording, analyze
from crosstalk_harness.probes.activity import speech_segments
from crosstalk_harness.testing.real_speech import (
    NOISES,
    RealSetErrors,
    build_real_call,
    real_set_errors,
)

CALLS = 16
NOISE_DB_BELOW = 35.0
TUNING_P95_BOUND_MS = 15.0
TUNING_P50_BOUND_MS = 3.0
HELD_OUT_P95_BOUND_MS = 35.0
WRONG_SEGMENTS_BOUND = 4  # crowded-room babble bursts taken for speech: energy cannot tell
RECOVERY_BOUND_MS = 40.0


def _interruptions(caller, agent, rate):
    timing = analyze(StereoRecording(rate, caller, agent))
    return [(found.start_s, found.recovery_ms) for found in timing.interruptions]


@pytest.fixture(scope="module")
def tuning() -> RealSetErrors:
    return real_set_errors(speech_segments, _interruptions, CALLS, NOISE_DB_BELOW)


def test_real_speech_edges_stay_within_the_bound(tuning):
    p50, p95 = np.percentile(tuning.edges_ms, [50, 95])
    assert len(tuning.edges_ms) >= 300, len(tuning.edges_ms)
    assert p50 <= TUNING_P50_BOUND_MS and p95 <= TUNING_P95_BOUND_MS, (p50, p95)
    assert tuning.wrong_segments <= WRONG_SEGMENTS_BOUND, tuning.wrong_segments


def test_recovery_after_a_barge_in_by_a_real_talker_is_measured(tuning):
    # where the caller paused inside the interrupting turn, recovery runs from the end of the
    # whole turn (harness/probes/timing.py), not from the first stretch of it
    assert tuning.missed_recoveries == 0
    assert len(tuning.recoveries_ms) == CALLS // 2
    assert max(tuning.recoveries_ms) <= RECOVERY_BOUND_MS, tuning.recoveries_ms
    assert tuning.paused_recoveries_ms
    assert max(tuning.paused_recoveries_ms) <= RECOVERY_BOUND_MS, tuning.paused_recoveries_ms


def test_every_other_caller_pauses_inside_the_interrupting_turn():
    call = build_real_call(1, NOISE_DB_BELOW)
    agent_after = [s for s, _ in call.truth["agent"] if s > call.barge_in_s]
    recovery_at = min(agent_after)
    stretches = [(s, e) for s, e in call.truth["caller"] if call.barge_in_s <= s < recovery_at]
    assert call.caller_paused and not build_real_call(2, NOISE_DB_BELOW).caller_paused
    assert len(stretches) == 2, stretches
    assert 0.6 <= stretches[1][0] - stretches[0][1] <= 0.9
    assert call.recovery_ms == pytest.approx((recovery_at - stretches[1][1]) * 1000, abs=1)


def test_the_real_speech_set_is_the_same_audio_every_run():
    first, again = build_real_call(3, NOISE_DB_BELOW), build_real_call(3, NOISE_DB_BELOW)
    assert np.array_equal(first.caller, again.caller) and first.truth == again.truth
    held_out = build_real_call(3, NOISE_DB_BELOW, held_out=True)
    assert held_out.caller.shape != first.caller.shape or held_out.truth != first.truth


def test_held_out_clips_in_the_tuning_backgrounds_stay_within_the_bound():
    """Clips the tuning never saw (played 8 % faster and 9 % slower), in the tuning's
    backgrounds: p95 28.2 ms when this was written (benchmarks/README.md)."""
    held_out = real_set_errors(
        speech_segments, lambda *_: [], 24, NOISE_DB_BELOW, held_out=True, noises=NOISES
    )
    assert len(held_out.edges_ms) >= 150, len(held_out.edges_ms)
    assert float(np.percentile(held_out.edges_ms, 95)) <= HELD_OUT_P95_BOUND_MS
