"""The virtual clock: timers jump ahead when nothing is ready, never while a thread is at work."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time

import pytest
from crosstalk_harness.transport import virtual_clock
from crosstalk_harness.transport.virtual_clock import on_virtual_clock, run_on_virtual_clock


def test_a_minute_long_timer_resolves_in_well_under_a_second_of_wall_time() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await asyncio.sleep(60)
        return loop.time() - began

    wall = time.monotonic()
    waited = run_on_virtual_clock(main)
    assert waited == pytest.approx(60, abs=1e-3)
    assert time.monotonic() - wall < 0.5


def test_a_thread_at_work_is_not_overtaken_by_a_shorter_timer() -> None:
    async def main() -> list[str]:
        order: list[str] = []

        async def timer() -> None:
            await asyncio.sleep(0.1)
            order.append("timer")

        async def job() -> None:
            await asyncio.to_thread(time.sleep, 0.3)
            order.append("thread")

        await asyncio.gather(job(), timer())
        return order

    assert run_on_virtual_clock(main) == ["thread", "timer"]


def test_the_clock_stands_still_while_executor_work_is_in_flight() -> None:
    async def main() -> tuple[float, float]:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await loop.run_in_executor(None, time.sleep, 0.2)
        during = loop.time() - began
        await asyncio.sleep(5)
        return during, loop.time() - began

    during, after = run_on_virtual_clock(main)
    assert during < 0.01
    assert after == pytest.approx(5, abs=0.01)


def test_timers_set_for_the_same_instant_fire_in_the_order_they_were_set() -> None:
    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        fired: list[int] = []
        when = loop.time() + 1
        for index in range(20):
            loop.call_at(when, fired.append, index)
        await asyncio.sleep(2)
        return fired

    assert run_on_virtual_clock(main) == list(range(20))


def test_real_io_in_flight_makes_the_clock_run_at_real_speed() -> None:
    async def main() -> tuple[bytes, float]:
        loop = asyncio.get_running_loop()
        mine, theirs = socket.socketpair()
        mine.setblocking(False)

        def answer_later() -> None:
            time.sleep(0.2)
            theirs.send(b"ok")

        threading.Thread(target=answer_later).start()
        began = loop.time()
        # the reply races a 10 s timer: a jumping clock would let the timer win at once
        data = await asyncio.wait_for(loop.sock_recv(mine, 2), timeout=10)
        elapsed = loop.time() - began
        mine.close()
        theirs.close()
        return data, elapsed

    data, elapsed = run_on_virtual_clock(main)
    assert data == b"ok"
    assert 0.15 < elapsed < 2


async def test_a_virtual_clock_runs_beside_a_real_loop_and_hands_back_its_result() -> None:
    async def main() -> str:
        await asyncio.sleep(30)
        return "done"

    wall = time.monotonic()
    assert await on_virtual_clock(main) == "done"
    assert time.monotonic() - wall < 1


async def test_cancelling_the_awaiting_task_cancels_the_virtual_session() -> None:
    cancelled: list[bool] = []

    async def main() -> None:
        try:
            while True:
                await asyncio.to_thread(time.sleep, 0.01)  # keeps the clock near real time
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    task = asyncio.create_task(on_virtual_clock(main))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled == [True]


def _waits_all_session(seconds: float) -> None:
    time.sleep(seconds)


@pytest.fixture
def short_grace(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> pytest.LogCaptureFixture:
    """A grace of 0.1 s, and the clock's warnings captured."""
    monkeypatch.setattr(virtual_clock, "_IN_FLIGHT_GRACE_S", 0.1)
    caplog.set_level(logging.WARNING, logger=virtual_clock.__name__)
    return caplog


def test_work_outliving_the_grace_lets_real_time_run_and_is_named_in_the_log(
    short_grace: pytest.LogCaptureFixture,
) -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        job = loop.run_in_executor(None, _waits_all_session, 0.6)
        began = loop.time()
        await asyncio.sleep(0.3)  # with the job in flight past the grace, this is a real wait
        elapsed = loop.time() - began
        await job
        return elapsed

    elapsed = run_on_virtual_clock(main)
    assert 0.25 < elapsed < 0.6
    (record,) = [r for r in short_grace.records if "in flight" in r.getMessage()]
    assert "test_virtual_clock._waits_all_session" in record.getMessage()


def test_a_loop_that_never_pauses_lets_real_time_run_so_timers_still_fire(
    short_grace: pytest.LogCaptureFixture,
) -> None:
    async def main() -> bool:
        loop = asyncio.get_running_loop()
        spinning = True

        def spin() -> None:  # always something ready: the clock never gets to jump
            if spinning:
                loop.call_soon(spin)

        loop.call_soon(spin)
        await asyncio.sleep(0.5)  # a deadline: fires only if time moves while the loop spins
        spinning = False
        return True

    wall = time.monotonic()
    assert run_on_virtual_clock(main)
    assert time.monotonic() - wall < 5
    assert any("without a pause" in r.getMessage() for r in short_grace.records)
