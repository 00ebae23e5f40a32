"""A clock that does not wait: an event loop whose time jumps to its next timer when idle.

Text-mode sessions measure no timing, so a silence policy, a caller's `stall_s` or `hold_s`,
`max_duration_s` and livekit's endpointing delays need not cost wall time. `VirtualTimeLoop`
reads its own clock (`loop.time()`, what `asyncio.sleep` and `call_later` use): when nothing is
ready to run, its selector moves that clock straight to the next timer instead of sleeping.

The clock must never move while work is in flight outside the loop's timers, or a silence
policy or `max_duration_s` would fire before an answer that was on its way:

- executor work (`run_in_executor`, `asyncio.to_thread`: the agent's store, the judge, a
  blocking model client) is counted; while any is in flight the selector really waits for it
  (its completion wakes the loop through the self-pipe) and the clock stands still, so a
  thread's work costs no session time, as a thought costs none on paper;
- real I/O registered with the loop (a socket to a model) makes the loop wait for real, and
  the clock then advances by the time actually waited: a model's latency counts as in audio.

Past a grace of real seconds, a job still in flight, or a loop that never pauses (work ready
turn after turn), lets real time run so that timers still fire, with a warning naming it.

Only the loop's clock is virtual: `time.time()` stays the wall clock, so livekit's own stamps
are wall times (text mode maps nothing with them). This follows livekit-agents' own
`tests/virtual_time.py` (an autojumping selector), plus the in-flight accounting above.
"""

from __future__ import annotations

import asyncio
import logging
import selectors
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Executor
from typing import Any, TypeVar

T = TypeVar("T")
logger = logging.getLogger(__name__)
_TIE_BREAK_S = 1e-9  # same-instant timers fire in the order they were set, as in real time
_IN_FLIGHT_GRACE_S = 5.0  # real seconds the clock waits for executor work before running again


class _JumpingSelector(selectors.BaseSelector):
    """A selector that jumps the loop's clock instead of sleeping, unless work is in flight."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        self._loop = loop
        self._real = selectors.DefaultSelector()

    def register(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.register(fileobj, events, data)

    def unregister(self, fileobj: Any) -> selectors.SelectorKey:
        return self._real.unregister(fileobj)

    def modify(self, fileobj: Any, events: int, data: Any = None) -> selectors.SelectorKey:
        return self._real.modify(fileobj, events, data)

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        self._loop.note_busy(timeout == 0)
        ready = self._real.select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            return self._real.select(None)  # idle with no timer: wait for a wake-up
        if self._loop.in_flight:
            # a thread at work: wait for its wake-up with the clock standing, up to a grace;
            # a job outliving it (a thread that waits all session) lets real time run
            began = time.monotonic()
            ready = self._real.select(timeout)
            if began - self._loop.in_flight_since > _IN_FLIGHT_GRACE_S:
                self._loop.outlived_grace()
                self._loop.advance(time.monotonic() - began)
            return ready
        if len(self._real.get_map()) > 1:  # a socket besides the self-pipe: real time runs
            began = time.monotonic()
            ready = self._real.select(timeout)
            self._loop.advance(time.monotonic() - began)
            return ready
        self._loop.advance(timeout)
        return []

    def get_map(self) -> Any:
        return self._real.get_map()

    def close(self) -> None:
        self._real.close()


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A `SelectorEventLoop` on a virtual clock that jumps ahead when nothing else can run."""

    def __init__(self) -> None:
        self._now = 0.0
        self._set = 0
        self._in_flight = 0
        self._jobs: dict[int, str] = {}  # id of each in-flight job's future -> what it runs
        self._reported = False
        self.in_flight_since = 0.0
        self._busy_since = self._last_turn = time.monotonic()
        self._spin_reported = False
        super().__init__(selector=_JumpingSelector(self))
        self._clock_resolution = 1e-12

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds > 0:
            self._now += seconds

    @property
    def in_flight(self) -> int:
        """Executor jobs started and not yet finished (the clock stands still meanwhile)."""
        return self._in_flight

    def call_at(self, when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        self._set += 1
        return super().call_at(when + self._set * _TIE_BREAK_S, callback, *args, context=context)

    def run_in_executor(
        self, executor: Executor | None, func: Callable[..., T], *args: Any
    ) -> asyncio.Future[T]:
        future = super().run_in_executor(executor, func, *args)
        if not self._in_flight:
            self.in_flight_since = time.monotonic()
            self._reported = False
        self._in_flight += 1
        self._jobs[id(future)] = _describe(func)
        # released on the loop once the result has arrived (or nobody awaits it any more):
        # released in the thread, the clock could jump between its end and the loop hearing it
        future.add_done_callback(self._release)
        return future

    def _release(self, future: object) -> None:
        self._in_flight -= 1
        self._jobs.pop(id(future), None)

    def note_busy(self, busy: bool) -> None:
        """Each turn of the loop: `busy` when callbacks were ready (no pause to jump in).

        A loop that never pauses (a reply asked for again and again at one instant) would
        freeze the clock, and with it `max_duration_s`: once busy past the grace, its time is
        real time, so the session still ends, and the log says so."""
        now = time.monotonic()
        if not busy:
            self._busy_since = now
        elif now - self._busy_since > _IN_FLIGHT_GRACE_S:
            if not self._spin_reported:
                self._spin_reported = True
                logger.warning(
                    "virtual clock: the loop has had work ready for over %.0f s without a "
                    "pause, real time runs (a reply or task rescheduled forever?)",
                    _IN_FLIGHT_GRACE_S,
                )
            self.advance(now - self._last_turn)
        self._last_turn = now

    def outlived_grace(self) -> None:
        """Executor work outlived the grace and real time runs: say once what it is, since a
        job that never ends turns every later timer into a real wait."""
        if not self._reported:
            self._reported = True
            logger.warning(
                "virtual clock: executor work in flight for over %.0f s, real time runs: %s",
                _IN_FLIGHT_GRACE_S,
                ", ".join(sorted(self._jobs.values())),
            )


def _describe(func: Callable[..., Any]) -> str:
    """`module.qualname` of an executor job (through `functools.partial` and bound methods)."""
    inner = getattr(func, "func", func)
    return f"{getattr(inner, '__module__', '?')}.{getattr(inner, '__qualname__', repr(inner))}"


def run_on_virtual_clock(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `main()` to completion on a fresh `VirtualTimeLoop` (blocking, like `asyncio.run`)."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main())


async def on_virtual_clock(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Await `main()` run on a virtual clock of its own, in a thread of its own.

    Cancelling the awaiting task cancels `main()` there and waits for it to wind down.
    """
    outer = asyncio.get_running_loop()
    result: asyncio.Future[T] = outer.create_future()
    started = threading.Event()
    inner: dict[str, Any] = {}

    async def guarded() -> T:
        inner["task"] = asyncio.current_task()
        inner["loop"] = asyncio.get_running_loop()
        started.set()
        return await main()

    def settle(outcome: Callable[[], None]) -> None:
        if not result.done():
            outcome()

    def thread_main() -> None:
        try:
            value = run_on_virtual_clock(guarded)
        except BaseException as exc:  # handed to the awaiting loop, which re-raises it
            failure = exc
            outer.call_soon_threadsafe(settle, lambda: result.set_exception(failure))
        else:
            outer.call_soon_threadsafe(settle, lambda: result.set_result(value))
        finally:
            started.set()

    thread = threading.Thread(target=thread_main, name="crosstalk-virtual-clock", daemon=True)
    thread.start()
    try:
        return await asyncio.shield(result)
    except asyncio.CancelledError:
        result.cancel()  # what the thread hands back now is nobody's to read
        await asyncio.to_thread(started.wait)
        task, loop = inner.get("task"), inner.get("loop")
        if task is not None and loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(task.cancel)
        await asyncio.to_thread(thread.join)
        raise
