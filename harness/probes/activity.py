"""Where each channel has speech: energy-based, against an adaptive floor, sample-accurate edges.

Two passes. A coarse pass over 10 ms hops finds speech with hysteresis against the channel's own
noise floor (so steady background noise is not speech), bridges short gaps inside a sentence and
drops blips (clicks, breaths). A fine pass then moves each edge to where a 1 ms moving RMS
first/last clears the noise floor: sample-accurate in clean audio, not quantised to a hop.

At each edge a second opinion tells a consonant from a breath. An edge may reach out to sound
30 dB under the voice near it (a weak /θ/ or /h/, a stop's release), and so does a breath or a
recording's room tone (22-28 dB under). Level cannot tell them apart, and neither can voicing:
both are unvoiced noise. Their spectra can: a fricative, an aspiration or a release has much of
its energy high in the spectrum, a breath or room tone little. So the faint stretch between where
the voice (within 15 dB) begins and where the sound begins stays speech only if it is bright.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Segment = tuple[int, int]  # [start, end) in samples


@dataclass(frozen=True)
class ActivityOptions:
    hop_s: float = 0.010
    min_speech_s: float = 0.080  # shorter bursts are clicks or breaths
    min_gap_s: float = 0.500  # shorter pauses (sentence breaks, hesitations) stay in one utterance
    floor_percentile: float = 5.0
    quietest_floor_db: float = -80.0  # digital silence is treated as this level
    enter_above_floor_db: float = 10.0
    enter_below_peak_db: float = 35.0
    exit_hysteresis_db: float = 4.0
    edge_noise_factor: float = 2.5  # an edge is where the 1 ms envelope clears the noise by this
    # ... and comes within this of the speech level near that edge: a recording's room tone
    # sits 30+ dB under the talker's voice even when it clears the line's noise
    edge_below_speech_db: float = 30.0
    edge_speech_span_s: float = 0.300  # "near": the loudest 10 ms hop this far inside the edge
    # the voice itself comes within this of the loudest near the edge; the fainter stretch
    # outside it is a consonant only if this share of its energy is above `bright_above_hz`
    voice_below_speech_db: float = 15.0
    bright_share: float = 0.22
    bright_above_hz: float = 2500.0
    faint_min_s: float = 0.010  # shorter faint stretches are kept: too short to judge
    isolated_s: float = 0.200  # a short burst this far from longer speech is a click, not speech
    edge_envelope_s: float = 0.001
    edge_search_s: float = 0.060
    edge_quiet_run_s: float = 0.010


def _frame_levels_db(samples: np.ndarray, hop: int) -> np.ndarray:
    count = len(samples) // hop
    frames = samples[: count * hop].reshape(count, hop)
    power = np.einsum("ij,ij->i", frames, frames) / hop
    return 10.0 * np.log10(power + 1e-12)


@dataclass(frozen=True)
class _EdgeFinder:
    """Finds edges from a 1 ms moving RMS, computed only around each edge (that is all we need).

    The RMS over the samples ending at a sample turns loud exactly at a sound's first sample;
    the RMS over the samples starting at it stays loud up to its last: both edges stay sample-true.
    """

    samples: np.ndarray
    width: int
    threshold: float
    search: int
    quiet_run: int

    def _loud(self, low: int, high: int, trailing: bool, threshold: float) -> np.ndarray:
        """Loud positions in [low, high), absolute indices."""
        pad_low = max(low - self.width, 0) if trailing else low
        pad_high = high if trailing else min(high + self.width, len(self.samples))
        chunk = self.samples[pad_low:pad_high].astype(np.float64)
        energy = np.concatenate([[0.0], np.cumsum(chunk * chunk)])
        index = np.arange(low, high) - pad_low
        if trailing:
            window = energy[index + 1] - energy[np.maximum(index + 1 - self.width, 0)]
        else:
            window = energy[np.minimum(index + self.width, len(chunk))] - energy[index]
        return np.flatnonzero(window > max(self.threshold, threshold) ** 2 * self.width) + low

    def start(self, anchor: int, inward: int, speech_floor: float) -> int:
        """Move a hop-aligned onset to the first loud sample connected to the speech: back over
        a soft onset, or on (up to `inward` samples) past breath and room tone the coarse pass
        took for speech."""
        low, high = max(anchor - self.search, 0), min(anchor + inward, len(self.samples))
        window = self._loud(low, high, trailing=True, threshold=speech_floor)
        inside = window[window >= anchor]
        seed = int(inside[0]) if inside.size else anchor
        return _chain_start(np.append(window[window < seed], seed), self.quiet_run)

    def end(self, anchor: int, inward: int, speech_floor: float) -> int:
        """Move a hop-aligned end (its last sample) to the last loud sample of the speech: on
        over a fading consonant, or back (up to `inward` samples) over a trailing breath."""
        low, high = max(anchor - inward + 1, 0), min(anchor + self.search + 1, len(self.samples))
        window = self._loud(low, high, trailing=False, threshold=speech_floor)
        inside = window[window <= anchor]
        seed = int(inside[-1]) if inside.size else anchor
        points = np.append(seed, window[window > seed])
        return -_chain_start(-points[::-1], self.quiet_run) + 1


def _coarse_runs(active: np.ndarray, sustain: np.ndarray) -> list[tuple[int, int]]:
    """Hysteresis: a run starts on an `active` hop and lasts while hops stay `sustain`."""
    runs: list[tuple[int, int]] = []
    starts = np.flatnonzero(active)
    position = 0
    for start in starts:
        if start < position:
            continue
        quiet_after = np.flatnonzero(~sustain[start:])
        end = start + (int(quiet_after[0]) if quiet_after.size else len(sustain) - start)
        runs.append((int(start), int(end)))
        position = end
    return runs


def _drop_isolated(
    runs: list[tuple[int, int]], min_length: int, reach: int
) -> list[tuple[int, int]]:
    """Drop short runs with no longer run within `reach` hops: clicks, taps, distant thuds."""
    long_runs = [(start, end) for start, end in runs if end - start >= min_length]
    return [
        (start, end)
        for start, end in runs
        if end - start >= min_length
        or any(
            start - reach < other_end and other_start < end + reach
            for other_start, other_end in long_runs
        )
    ]


def _merge(runs: list[tuple[int, int]], min_gap: int, min_length: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for start, end in runs:
        if merged and start - merged[-1][1] < min_gap:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged if end - start >= min_length]


def _chain_start(points: np.ndarray, quiet_run: int) -> int:
    """The earliest point reachable walking back from the last one in steps under `quiet_run`."""
    gaps = np.flatnonzero(np.diff(points) > quiet_run)
    return int(points[gaps[-1] + 1] if gaps.size else points[0])


def speech_segments(
    samples: np.ndarray, sample_rate: int, options: ActivityOptions | None = None
) -> list[Segment]:
    """Speech segments of one channel (float samples in [-1, 1]) as [start, end) sample indices."""
    options = options or ActivityOptions()
    hop = max(1, round(options.hop_s * sample_rate))
    levels = _frame_levels_db(samples, hop)
    if levels.size == 0:
        return []
    floor = max(float(np.percentile(levels, options.floor_percentile)), options.quietest_floor_db)
    peak = float(np.percentile(levels, 99.5))
    enter = max(floor + options.enter_above_floor_db, peak - options.enter_below_peak_db)
    if peak < enter:
        return []
    runs = _coarse_runs(levels > enter, levels > enter - options.exit_hysteresis_db)
    min_length = round(options.min_speech_s / options.hop_s)
    runs = _drop_isolated(runs, min_length, round(options.isolated_s / options.hop_s))
    runs = _merge(runs, round(options.min_gap_s / options.hop_s), min_length)
    edges = _EdgeFinder(
        samples=samples,
        width=max(1, round(options.edge_envelope_s * sample_rate)),
        threshold=options.edge_noise_factor * 10 ** (floor / 20),
        search=round(options.edge_search_s * sample_rate),
        quiet_run=round(options.edge_quiet_run_s * sample_rate),
    )
    segments: list[Segment] = []
    for run in runs:
        start, end = _run_edges(run, levels, edges, sample_rate, options)
        if segments and start <= segments[-1][1]:
            segments[-1] = (segments[-1][0], max(end, segments[-1][1]))
        else:
            segments.append((start, end))
    return segments


def _bright(samples: np.ndarray, rate: int, options: ActivityOptions) -> bool:
    """Whether a faint stretch has a consonant's share of its energy high in the spectrum."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64) * np.hanning(len(samples)))) ** 2
    total = float(spectrum.sum())
    first_high = int(options.bright_above_hz * len(samples) / rate) + 1  # bin k is k*rate/n Hz
    return total > 0.0 and float(spectrum[first_high:].sum()) >= options.bright_share * total


def _pick(faint: int, voice: int, samples: np.ndarray, rate: int, options: ActivityOptions) -> int:
    """The edge: out at the faint sound's edge when the stretch outside the voice is a
    consonant (or too short to judge), else at the voice's (a breath, room tone)."""
    low, high = min(faint, voice), max(faint, voice)
    if high - low < round(options.faint_min_s * rate) or _bright(samples[low:high], rate, options):
        return faint
    return voice


def _run_edges(
    run: tuple[int, int],
    levels: np.ndarray,
    edges: _EdgeFinder,
    rate: int,
    options: ActivityOptions,
) -> Segment:
    """A coarse run's sample-accurate [start, end)."""
    hop = max(1, round(options.hop_s * rate))
    span = max(1, round(options.edge_speech_span_s / options.hop_s))
    run_start, run_end = run
    # clicks and breaths bridged into the turn's ends are far quieter than its voice
    loudest = float(levels[run_start:run_end].max())
    voiced = np.flatnonzero(levels[run_start:run_end] > loudest - options.edge_below_speech_db)
    start_hop, end_hop = run_start + int(voiced[0]), run_start + int(voiced[-1]) + 1
    near_start = float(levels[start_hop : min(start_hop + span, end_hop)].max())
    near_end = float(levels[max(end_hop - span, start_hop) : end_hop].max())
    inward = max(hop, min(span, end_hop - start_hop) * hop // 2)
    start_anchor = start_hop * hop
    end_anchor = min(end_hop * hop, len(edges.samples)) - 1

    def edge(find: Callable[[int, int, float], int], anchor: int, near_db: float) -> int:
        faint, voice = (
            find(anchor, inward, 10 ** ((near_db - below_db) / 20))
            for below_db in (options.edge_below_speech_db, options.voice_below_speech_db)
        )
        return _pick(faint, voice, edges.samples, rate, options)

    return edge(edges.start, start_anchor, near_start), edge(edges.end, end_anchor, near_end)
