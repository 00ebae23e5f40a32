"""The session clock: one monotonic time base for a call, and the health of the frame pacing on it.

Audio sample counts are the source of truth for audio time (frame n covers [n·20 ms, (n+1)·20 ms));
wall-clock readings are only used to schedule frames and to timestamp events.
"""

from __future__ import annotations

import asyncio
import queue
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
        if not self.lateness_s:
            return {"frames": 0, "p50_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        values = np.asarray(self.lateness_s) * 1000
        return {
            "frames": int(values.size),
            "p50_ms": round(float(np.percentile(values, 50)), 3),
            "p99_ms": round(float(np.percentile(values, 99)), 3),
            "max_ms": round(float(values.max()), 3),
        }


class Metronome:
    """Wakes the event loop at a monotonic deadline, to a fraction of a millisecond.

    asyncio's timers wake up to 1 ms late (epoll's timeout is rounded up to whole milliseconds).
    A small thread that sleeps with the OS's fine-grained sleep and then wakes the loop through
    its self-pipe is typically under 0.1 ms late, so frames leave on time, not a millisecond after.
    """

    _STOP = None

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue[tuple[float, asyncio.Future[None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _run(self) -> None:
        while (request := self._requests.get()) is not self._STOP:
            deadline, waiter = request
            delay = deadline - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            assert self._loop is not None
            try:
                self._loop.call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # the loop closed under us: nobody is waiting any more
                return

    async def sleep_until(self, deadline: float) -> None:
        if self._thread is None:
            self._loop = asyncio.get_running_loop()
            self._thread = threading.Thread(
                target=self._run, name="crosstalk-metronome", daemon=True
            )
            self._thread.start()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._requests.put((deadline, waiter))
        await waiter

    def stop(self) -> None:
        self._requests.put(self._STOP)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
