"""Small statistics for suites: percentiles and bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np

BOOTSTRAP_SAMPLES = 2000


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 1) if values else None


def bootstrap(
    groups: list[list[float]],
    statistic: str,
    *,
    seed: int = 0,
    samples: int = BOOTSTRAP_SAMPLES,
) -> np.ndarray:
    """Bootstrap distribution of a statistic ("p95" or "mean") over values grouped by session.

    Two levels: sessions are resampled whole, then the values inside each picked session. Replies
    in one call share its conditions, so resampling replies alone would understate run-to-run
    noise; resampling sessions alone would see no noise at all in a run of one session.
    """
    arrays = [np.asarray(g, dtype=float) for g in groups if len(g)]
    if not arrays:
        return np.array([])
    rng = np.random.default_rng(seed)
    flat = np.concatenate(arrays)
    lengths = np.array([len(a) for a in arrays])
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    picks = rng.integers(0, len(arrays), size=(samples, len(arrays))).ravel()
    counts = lengths[picks]
    starts = np.repeat(offsets[picks], counts)
    within = (rng.random(counts.sum()) * np.repeat(counts, counts)).astype(int)
    values = flat[starts + within]
    # one row per bootstrap sample, padded with NaN where a sample drew fewer values
    totals = counts.reshape(samples, -1).sum(axis=1)
    rows = np.repeat(np.arange(samples), totals)
    columns = np.arange(len(values)) - np.repeat(np.cumsum(totals) - totals, totals)
    table = np.full((samples, totals.max()), np.nan)
    table[rows, columns] = values
    if statistic != "p95":
        return np.nanmean(table, axis=1)
    ordered = np.sort(table, axis=1)  # NaN sorts last, so each row's values come first
    position = 0.95 * (totals - 1)
    low = np.floor(position).astype(int)
    high = np.ceil(position).astype(int)
    index = np.arange(samples)
    below, above = ordered[index, low], ordered[index, high]
    return below + (above - below) * (position - low)  # numpy's default (linear) percentile


def difference_interval(
    baseline: list[list[float]],
    current: list[list[float]],
    statistic: str,
    *,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float, float] | None:
    """current − baseline of the statistic, with a bootstrap confidence interval (low, high)."""
    base = bootstrap(baseline, statistic, seed=seed)
    cur = bootstrap(current, statistic, seed=seed + 1)
    if not len(base) or not len(cur):
        return None
    point = _statistic(current, statistic) - _statistic(baseline, statistic)
    diffs = cur - base
    tail = (1 - confidence) / 2 * 100
    return point, float(np.percentile(diffs, tail)), float(np.percentile(diffs, 100 - tail))


def _statistic(groups: list[list[float]], statistic: str) -> float:
    values = np.concatenate([np.asarray(g, dtype=float) for g in groups if g])
    return float(np.percentile(values, 95) if statistic == "p95" else values.mean())
