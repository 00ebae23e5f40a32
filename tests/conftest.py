"""Shared fixtures: the repository's paths, a way to run the real `crosstalk` command, and the
real calls several test modules read (placed once per pytest session, only when asked for)."""

from __future__ import annotations

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
