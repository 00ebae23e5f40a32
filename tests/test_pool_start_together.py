"""The workers' first calls start together: none starts its clock while another worker is still
loading its models (whose imports and model loading would take the cores its audio needs)."""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time

from crosstalk_harness.runner import pool


def _barrier(parties: int):
    return multiprocessing.get_context("spawn").Barrier(parties)


def test_a_first_call_waits_for_the_other_workers_models_and_later_calls_do_not(monkeypatch):
    barrier = _barrier(2)
    monkeypatch.setattr(pool, "_start_together", barrier)
    other_loaded = threading.Event()

    def other_worker() -> None:
        time.sleep(0.5)  # still loading its models
        other_loaded.set()
        barrier.wait(5)

    threading.Thread(target=other_worker, daemon=True).start()
    started = time.monotonic()
    asyncio.run(pool._models_loaded_everywhere())
    assert other_loaded.is_set() and time.monotonic() - started >= 0.4

    started = time.monotonic()
    asyncio.run(pool._models_loaded_everywhere())  # the worker's next session: no wait
    assert time.monotonic() - started < 1.0  # held, it would wait for the 180 s timeout


def test_the_parent_releases_first_calls_when_a_worker_will_never_arrive(monkeypatch):
    barrier = _barrier(3)
    monkeypatch.setattr(pool, "_start_together", barrier)
    threading.Timer(0.3, barrier.abort).start()  # e.g. a worker died while loading
    started = time.monotonic()
    asyncio.run(pool._models_loaded_everywhere())
    assert 0.2 < time.monotonic() - started < 5


def test_the_first_calls_start_in_turn_not_in_the_same_instant(monkeypatch):
    barrier = _barrier(2)
    monkeypatch.setattr(pool, "_start_together", barrier)
    released: list[tuple[int, float]] = []

    def other_worker() -> None:
        released.append((barrier.wait(5), time.monotonic()))

    threading.Thread(target=other_worker, daemon=True).start()
    place = asyncio.run(pool._models_loaded_everywhere())
    started = time.monotonic()
    [(other_place, released_at)] = released
    assert {place, other_place} == {0, 1}
    turn_s = place * pool._FIRST_CALLS_APART_S
    assert turn_s - 0.05 <= started - released_at < turn_s + 1
