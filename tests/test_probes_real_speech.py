"""The probes' speech edges on REAL recorded human speech (harness/testing/real_speech.py): a
fixed set of 16 calls, the same audio every run, in four recorded backgrounds 35 dB below the
speech.

Target of issues 15 and 25: p95 edge error <= 40 ms. Measured here: p95 9.1 ms (it was 56.6 ms
while the breath 22-28 dB under the voice before the utterance counted as speech; the faint
stretch at an edge is now judged by its spectrum). The bounds pin what the analyzer achieves so
it cannot regress."""

from __future__ import annotations

import numpy as np
from crosstalk_harness.probes.activity import speech_segments
from crosstalk_harness.testing.real_speech import build_real_call, real_set_edge_errors

CALLS = 16
NOISE_DB_BELOW = 35.0
P95_BOUND_MS = 15.0
P50_BOUND_MS = 3.0
WRONG_SEGMENTS_BOUND = 4  # crowded-room babble bursts taken for speech: energy cannot tell


def _errors() -> tuple[list[float], int]:
    return real_set_edge_errors(speech_segments, CALLS, NOISE_DB_BELOW)


def test_real_speech_edges_stay_within_the_bound():
    errors, wrong = _errors()
    p50, p95 = np.percentile(errors, [50, 95])
    assert len(errors) >= 300, len(errors)
    assert p50 <= P50_BOUND_MS and p95 <= P95_BOUND_MS, (p50, p95, max(errors))
    assert wrong <= WRONG_SEGMENTS_BOUND, wrong


def test_the_real_speech_set_is_the_same_audio_every_run():
    first, again = build_real_call(3, NOISE_DB_BELOW), build_real_call(3, NOISE_DB_BELOW)
    assert np.array_equal(first.caller, again.caller) and first.truth == again.truth
