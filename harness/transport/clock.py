"""The session clock: one monotonic time base for a call, and the health of the frame pacing on it.

Audio sample counts are the source of truth for audio time (frame n covers [n·20 ms, (n+1)·20 ms));
wall-clock readings are only used to schedule frames and to timestamp events.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import os
import threading
import time
from dataclasses import dataclass, field

import numpy as np

FRAME_MS = 20
FRAME_S = FRAME_MS / 1000


def samples_per_frame(sample_rate: int) -> int:
    return sample_rate * FRAME_MS // 1000


class SessionClock:
    """Seconds since the call started, on `time.monotonic`."""

    def __init__(self) -> None:
        self._origin: float | None = None

    def start(self) -> None:
        self._origin = time.monotonic()

    @property
    def started(self) -> bool:
        return self._origin is not None

    @property
    def origin(self) -> float:
        if self._origin is None:
            raise RuntimeError("the session clock has not started")
        return self._origin

    def now(self) -> float:
        """Session time in seconds (0.0 before the clock starts)."""
        return 0.0 if self._origin is None else time.monotonic() - self._origin

    def deadline(self, frame_index: int) -> float:
        """The monotonic time at which frame `frame_index` is due."""
        return self.origin + frame_index * FRAME_S


@dataclass
class PacingStats:
    """Lateness of each delivered frame (actual minus scheduled delivery time), in seconds."""

    lateness_s: list[float] = field(default_factory=list)

    def record(self, lateness: float) -> None:
        self.lateness_s.append(lateness)

    def summary(self) -> dict[str, float | int]:
        return lateness_summary(self.lateness_s, count_key="frames")


def lateness_summary(lateness_s: list[float], *, count_key: str) -> dict[str, float | int]:
    """p50/p99/max in ms of delays given in seconds, and how many there were."""
    if not lateness_s:
        return {count_key: 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
    values = np.asarray(lateness_s) * 1000
    return {
        count_key: int(values.size),
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
    }


_METRONOME_NICENESS = -10  # the clock should win the CPU over model threads


class Metronome:
    """Wakes the event loop at a monotonic deadline, to a fraction of a millisecond.

    asyncio's timers wake up to 1 ms late (epoll's timeout is rounded up to whole milliseconds).
    A small thread that waits with the OS's fine-grained timed wait and then wakes the loop
    through its self-pipe is typically under 0.1 ms late, so frames leave on time, not a
    millisecond after. One thread serves every transport of the process (a heap of deadlines):
    with dozens of calls at once, one thread per call would mostly fight over the GIL.
    """

    _shared: Metronome | None = None
    _shared_lock = threading.Lock()

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None

    @classmethod
    def shared(cls) -> Metronome:
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    def _run(self) -> None:
        with contextlib.suppress(OSError, AttributeError):  # needs root or CAP_SYS_NICE
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _METRONOME_NICENESS)
        with self._condition:
            while True:
                if not self._heap:
                    self._condition.wait()
                    continue
                delay = self._heap[0][0] - time.monotonic()
                if delay > 0:
                    self._condition.wait(delay)
                    continue
                _, _, loop, waiter = heapq.heappop(self._heap)
                with contextlib.suppress(RuntimeError):  # that loop closed: nobody waits
                    loop.call_soon_threadsafe(_wake, waiter)

    async def sleep_until(self, deadline: float) -> None:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="crosstalk-metronome", daemon=True
                )
                self._thread.start()
            heapq.heappush(self._heap, (deadline, next(self._order), loop, waiter))
            if self._heap[0][3] is waiter:
                self._condition.notify()  # an earlier deadline than the thread is waiting for
        await waiter

    def stop(self) -> None:
        """Nothing to release: the thread is a daemon shared by every transport."""


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
