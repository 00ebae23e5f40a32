"""The sweep's search on a simulated agent: a cliff in SNR, noisy near it, inconclusive points
that must not decide, a baseline's bracket that saves calls, and the call limit."""

from __future__ import annotations

import random

from crosstalk_harness.sweep.bisect import Grid, bisect


def simulated_agent(cliff: float, noise_band: float, seed: int, inconclusive_at=()):
    """Passes above `cliff` dB, fails below; within `noise_band` of it, a coin weighted by the
    distance decides; values in `inconclusive_at` never give a verdict (untrusted timing)."""
    rng = random.Random(seed)
    calls: list[float] = []

    def evaluate(value: float, first_repeat: int, count: int) -> list[str]:
        outcomes = []
        for _ in range(count):
            calls.append(value)
            if value in inconclusive_at:
                outcomes.append("inconclusive")
                continue
            distance = value - cliff
            if abs(distance) >= noise_band:
                outcomes.append("passed" if distance > 0 else "failed")
            else:
                chance = 0.5 + distance / (2 * noise_band)
                outcomes.append("passed" if rng.random() < chance else "failed")
        return outcomes

    return evaluate, calls


def test_a_clean_cliff_is_found_to_the_resolution_in_log2_calls():
    evaluate, calls = simulated_agent(cliff=7.4, noise_band=0, seed=1)
    search = bisect(evaluate, Grid(30, 0, 1))
    assert search.status == "found"
    assert (search.pass_value, search.fail_value) == (8, 7)
    assert len(calls) == search.calls == 2 + Grid(30, 0, 1).bisection_steps()


def test_a_noisy_cliff_decided_by_majority_lands_near_it_on_every_seed():
    grid = Grid(30, 0, 1)
    for seed in range(20):
        evaluate, _ = simulated_agent(cliff=12.3, noise_band=1.5, seed=seed)
        search = bisect(evaluate, grid, repeats=3)
        assert search.status == "found", seed
        assert abs(search.fail_value - search.pass_value) <= grid.resolution
        # the boundary lies within the noisy band (plus a step) whatever the coin did
        assert 12.3 - 2.5 <= search.pass_value <= 12.3 + 2.5, (seed, search.pass_value)
        for point in search.points.values():
            judged = [o for o in point.outcomes if o != "inconclusive"]
            assert len(judged) <= 3


def test_the_same_seeds_give_the_same_margin():
    grid = Grid(30, 0, 1)
    first = bisect(simulated_agent(12.3, 1.5, seed=4)[0], grid, repeats=3)
    second = bisect(simulated_agent(12.3, 1.5, seed=4)[0], grid, repeats=3)
    assert (first.pass_value, first.fail_value) == (second.pass_value, second.fail_value)


def test_an_inconclusive_midpoint_never_moves_the_bracket():
    grid = Grid(0, 16, 1)  # a latency: 0 passes, 16 fails; the midpoint 8 cannot be judged
    calls: list[float] = []

    def evaluate(value: float, first: int, count: int) -> list[str]:
        calls.extend([value] * count)
        if value == 8:
            return ["inconclusive"] * count
        return ["passed" if value <= 4 else "failed"] * count

    search = bisect(evaluate, grid, repeats=1)
    assert search.status == "found"
    assert (search.pass_value, search.fail_value) == (4, 5)
    assert search.points[8].outcomes == ["inconclusive"] * 2  # tried twice, then a neighbour
    assert calls[:4] == [0, 16, 8, 8] and calls[4] in (7, 9)


def test_inconclusive_ends_leave_the_margin_unplaced():
    evaluate, _ = simulated_agent(cliff=5, noise_band=0, seed=0, inconclusive_at=(30.0,))
    search = bisect(evaluate, Grid(30, 0, 1))
    assert search.status == "unresolved"
    assert search.pass_value is None and search.fail_value is None


def test_both_ends_alike_say_so():
    passing = bisect(simulated_agent(-50, 0, 0)[0], Grid(30, 0, 1))
    failing = bisect(simulated_agent(50, 0, 0)[0], Grid(30, 0, 1))
    assert (passing.status, passing.pass_value) == ("passes_everywhere", 0)
    assert (failing.status, failing.fail_value) == ("fails_everywhere", 30)
    assert passing.calls == failing.calls == 2


def test_a_baseline_bracket_that_still_holds_costs_two_calls():
    evaluate, calls = simulated_agent(cliff=7.4, noise_band=0, seed=0)
    search = bisect(evaluate, Grid(30, 0, 1), previous=(8, 7))
    assert (search.status, search.pass_value, search.fail_value) == ("found", 8, 7)
    assert calls == [8, 7]


def test_a_moved_cliff_is_found_from_the_baseline_by_widening_steps():
    grid = Grid(30, 0, 1)
    evaluate, calls = simulated_agent(cliff=13.4, noise_band=0, seed=0)
    search = bisect(evaluate, grid, previous=(8, 7))
    assert (search.pass_value, search.fail_value) == (14, 13)
    assert len(calls) < 2 + grid.bisection_steps() + 2
    evaluate, calls = simulated_agent(cliff=3.4, noise_band=0, seed=0)
    search = bisect(evaluate, grid, previous=(8, 7))
    assert (search.pass_value, search.fail_value) == (4, 3)


def test_the_call_limit_stops_the_search_with_what_it_knows():
    evaluate, calls = simulated_agent(cliff=7.4, noise_band=0, seed=0)
    search = bisect(evaluate, Grid(30, 0, 1), max_calls=4)
    assert search.out_of_calls and len(calls) == 4
    assert search.status == "unresolved"
    assert (search.pass_value, search.fail_value) == (8, 0)  # 30, 0, 15, 8: the bracket so far
    assert all(point.outcomes for point in search.points.values())
