"""Shared fixtures: the repository's paths, a way to run the real `crosstalk` command, and the
real calls several test modules read (placed once per pytest session, only when asked for)."""

from __future__ import annotations

import contextlib
import os

import pytest

from .calls import (
    DEMO,
    FIXTURES,
    QUICK_ORDER,
    REPO,
    CliResult,
    PlacedCall,
    place_with_baseline,
    run_crosstalk,
)

__all__ = ["FIXTURES", "REPO", "CliResult", "run_crosstalk"]


@pytest.fixture
def crosstalk():
    return run_crosstalk


@pytest.fixture(scope="session")
def quick_order_call(tmp_path_factory) -> PlacedCall:
    """The every-commit tier's call with the reference agent (~25 s of audio, placed once): a
    tool call, a database check, a rubric without a model, a baseline it regresses against."""
    return place_with_baseline(QUICK_ORDER, tmp_path_factory.mktemp("quick-order"))


@pytest.fixture(scope="session")
def demo_call(tmp_path_factory) -> PlacedCall:
    """The demo call (about a minute of audio), placed once for the slow tier's tests."""
    return place_with_baseline(DEMO, tmp_path_factory.mktemp("demo"))


REAL_CLOCK_LANE = "real_clock"


def pytest_itemcollected(item: pytest.Item) -> None:
    """Under `make test`'s parallel workers (pytest-xdist, `--dist loadgroup`), tests on the real
    clock (`e2e`) run in one lane, one at a time: real-time calls never overlap each other, and
    a module's or the session's shared call is placed once, by the worker that reads it."""
    if item.get_closest_marker("e2e"):
        item.add_marker(pytest.mark.xdist_group(REAL_CLOCK_LANE))


_BESIDE_THE_LANE_NICENESS = 10


@pytest.fixture(autouse=True)
def _yield_the_cpu_to_real_time_calls(request: pytest.FixtureRequest):
    """Tests off the real clock run at a lower CPU priority (and so do the commands they start),
    so that a real-time call in the other worker's lane keeps its pacing on a 2-core machine.

    Back to the usual priority after the test where permitted (root); elsewhere the worker
    stays lowered, which costs the lane nothing it had when every worker ran alike."""
    if request.node.get_closest_marker("e2e") or not hasattr(os, "setpriority"):
        yield
        return
    before = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, max(before, _BESIDE_THE_LANE_NICENESS))
    yield
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, 0, before)
