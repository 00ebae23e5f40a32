"""The search: where on a grid of knob values the outcome flips from passed to failed.

Pure and synchronous over an `evaluate(value) -> outcome` function (one call each), so the unit
tests drive it with a simulated agent. The grid runs from FROM to TO in steps no wider than the
resolution; values are always grid points, so two sweeps with the same seeds try the same values.
A point takes up to `repeats` judged calls and is decided by their majority (an odd count cannot
tie), asking for as many calls at once as the majority still needs (they may run side by
side); an inconclusive call (untrusted timing, nothing judgeable) is no vote, and a point with no
majority after `repeats + 1` inconclusive calls in a row (one retry: untrusted timing is often
one busy moment) is inconclusive: it never moves the bracket, the search tries the next grid point
instead. With a previous margin (a baseline), the search starts at its bracket and widens it by
doubling steps only when the outcome moved.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["passed", "failed", "inconclusive"]
Status = Literal["found", "passes_everywhere", "fails_everywhere", "unresolved"]


# evaluate(value, first_repeat, count): the outcomes of `count` calls at `value`, the calls'
# repeats (their seeds) numbered from `first_repeat`; they may run side by side
Evaluate = Callable[[float, int, int], list[Outcome]]


class OutOfCalls(Exception):
    """The sweep reached its call limit; the search stops with what it knows."""


@dataclass(frozen=True)
class Grid:
    start: float
    stop: float
    resolution: float

    @property
    def steps(self) -> int:
        return max(1, math.ceil(abs(self.stop - self.start) / self.resolution - 1e-9))

    def value(self, index: int) -> float:
        return round(self.start + (self.stop - self.start) * index / self.steps, 6)

    def nearest(self, value: float) -> int:
        span = self.stop - self.start
        index = round((value - self.start) / span * self.steps) if span else 0
        return min(self.steps, max(0, index))

    def bisection_steps(self) -> int:
        """Midpoints a cold search needs to narrow the whole range to one step."""
        return math.ceil(math.log2(self.steps)) if self.steps > 1 else 0


@dataclass
class Point:
    value: float
    outcomes: list[Outcome] = field(default_factory=list)

    def verdict(self, repeats: int) -> Outcome:
        passed, failed = self.outcomes.count("passed"), self.outcomes.count("failed")
        need = repeats // 2 + 1
        if passed >= need or (passed > failed and passed + failed == repeats):
            return "passed"
        if failed >= need or (failed > passed and passed + failed == repeats):
            return "failed"
        return "inconclusive"


@dataclass
class Search:
    """What a search found: the bracket (as grid indices), every point tried, and why it ended."""

    grid: Grid
    points: dict[int, Point] = field(default_factory=dict)
    passing: int | None = None  # the passing index nearest the cliff
    failing: int | None = None  # the failing index nearest the cliff
    status: Status = "unresolved"
    calls: int = 0
    out_of_calls: bool = False

    @property
    def pass_value(self) -> float | None:
        return None if self.passing is None else self.grid.value(self.passing)

    @property
    def fail_value(self) -> float | None:
        return None if self.failing is None else self.grid.value(self.failing)


class _Prober:
    """Evaluates grid points: calls until a majority of `repeats` judged ones, or `repeats + 1`
    inconclusive calls in a row at a point, within `max_calls` in all."""

    def __init__(self, search: Search, evaluate: Evaluate, repeats: int, max_calls: int):
        self.search, self.evaluate = search, evaluate
        self.repeats, self.max_calls = repeats, max_calls

    def verdict(self, index: int) -> Outcome:
        point = self.search.points.setdefault(index, Point(self.search.grid.value(index)))
        unjudged = 0
        while point.verdict(self.repeats) == "inconclusive" and unjudged <= self.repeats:
            passed, failed = point.outcomes.count("passed"), point.outcomes.count("failed")
            if passed + failed >= self.repeats:
                break  # an even count split evenly
            wanted = min(self.repeats // 2 + 1 - max(passed, failed), self.repeats + 1 - unjudged)
            wanted = min(wanted, self.max_calls - self.search.calls)
            if wanted <= 0:
                raise OutOfCalls
            outcomes = self.evaluate(point.value, len(point.outcomes), wanted)
            self.search.calls += len(outcomes)
            point.outcomes.extend(outcomes)
            unjudged = unjudged + outcomes.count("inconclusive") if outcomes else self.repeats + 1
            if "passed" in outcomes or "failed" in outcomes:
                unjudged = 0
        return point.verdict(self.repeats)


def _narrow(search: Search, prober: _Prober) -> None:
    """Bisect between the bracket's ends until they are neighbours on the grid, skipping points
    that stay inconclusive (the bracket is then left wider: unresolved)."""
    assert search.passing is not None and search.failing is not None
    while abs(search.failing - search.passing) > 1:
        low, high = sorted((search.passing, search.failing))
        middle = (low + high) // 2
        untried = [i for i in range(low + 1, high) if i not in search.points]
        if not untried:
            return
        index = min(untried, key=lambda i: (abs(i - middle), i))
        verdict = prober.verdict(index)
        if verdict == "passed":
            search.passing = index
        elif verdict == "failed":
            search.failing = index
    search.status = "found"


def _gallop(search: Search, prober: _Prober, known: int, toward: int, outcome: Outcome) -> bool:
    """From `known` (whose verdict is `outcome`), step toward the grid end `toward` by doubling
    widths until the verdict changes; the bracket holds both ends. False: it never changed."""
    width, last = 1, known
    while last != toward:
        index = last + max(-width, min(width, toward - last))
        verdict = prober.verdict(index)
        if verdict not in ("inconclusive", outcome):
            search.passing, search.failing = (last, index) if outcome == "passed" else (index, last)
            return True
        if verdict == outcome:
            last = index
        width *= 2
    if outcome == "passed":
        search.passing = last
    else:
        search.failing = last
    return False


def bisect(
    evaluate: Evaluate,
    grid: Grid,
    *,
    repeats: int = 1,
    max_calls: int = 50,
    previous: tuple[float, float] | None = None,
) -> Search:
    """Find the passing/failing neighbours on `grid`. `previous` is a baseline's (pass value,
    fail value): the search starts from there instead of from the grid's ends."""
    search = Search(grid)
    prober = _Prober(search, evaluate, repeats, max_calls)
    try:
        if previous is not None and _from_previous(search, prober, previous):
            return search
        search.points.clear()  # a previous bracket that told nothing: start cold, once more
        _cold(search, prober)
    except OutOfCalls:
        search.out_of_calls = True
        search.points = {i: point for i, point in search.points.items() if point.outcomes}
    return search


def _cold(search: Search, prober: _Prober) -> None:
    first, last = prober.verdict(0), prober.verdict(search.grid.steps)
    if "inconclusive" in (first, last):
        return
    if first == last == "passed":
        search.passing, search.status = search.grid.steps, "passes_everywhere"
        return
    if first == last == "failed":
        search.failing, search.status = 0, "fails_everywhere"
        return
    search.passing, search.failing = (
        (0, search.grid.steps)
        if first == "passed"
        else (
            search.grid.steps,
            0,
        )
    )
    _narrow(search, prober)


def _widen(search: Search, prober: _Prober, known: int, end: int, outcome: Outcome) -> bool:
    """The cliff moved past `known`: gallop toward `end`, then narrow (always True: done)."""
    if _gallop(search, prober, known, end, outcome):
        _narrow(search, prober)
    else:
        search.status = "passes_everywhere" if outcome == "passed" else "fails_everywhere"
    return True


def _from_previous(search: Search, prober: _Prober, previous: tuple[float, float]) -> bool:
    """Start at the baseline's bracket; True when the search is over, False to start cold."""
    grid = search.grid
    passing, failing = grid.nearest(previous[0]), grid.nearest(previous[1])
    if passing == failing:
        return False
    pass_end = 0 if passing < failing else grid.steps
    fail_end = grid.steps - pass_end
    at_pass = prober.verdict(passing)
    if at_pass == "failed":  # the cliff moved toward the passing end
        return _widen(search, prober, passing, pass_end, "failed")
    if at_pass != "passed":
        return False
    at_fail = prober.verdict(failing)
    if at_fail == "failed":
        search.passing, search.failing = passing, failing
        _narrow(search, prober)
        return True
    if at_fail == "passed":  # the cliff moved toward the failing end
        return _widen(search, prober, failing, fail_end, "passed")
    return False
