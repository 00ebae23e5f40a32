"""What a person watching a concurrent run sees on stderr: counts, elapsed time, ETA, outcomes.

Several calls at once make per-turn lines unreadable, so this display shows one line per session
as it starts its call and as it ends, and a status line: sessions done / running / failed /
with untrustworthy timing, elapsed time and an estimate of the time left (from the wall time
the finished sessions took). On a terminal the status line updates in place; elsewhere (CI logs)
it is printed as a plain line after each session ends.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from typing import TextIO

from ..rundir.layout import RUN_FILE
from .progress import finished_lines
from .session_result import SessionResult

_CLEAR_LINE = "\r\x1b[K"
_TICK_S = 1.0


def _clock_text(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class LiveProgress:
    def __init__(
        self,
        stream: TextIO = sys.stderr,
        *,
        quiet: bool = False,
        concurrency: int = 1,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._quiet = quiet
        self._concurrency = concurrency
        self._tty = stream.isatty() if tty is None else tty
        self._clock = clock
        self._started_at = clock()
        self._total = 0
        self._running: dict[str, float] = {}  # session id -> when its worker took it
        self._finished: set[str] = set()
        self._durations: list[float] = []
        self._failed = 0
        self._untrusted = 0
        self._status_shown = False

    # what happened

    def run_started(self, directory: str, total: int) -> None:
        self._started_at, self._total = self._clock(), total
        self._line(
            f"crosstalk: {total} session(s), {self._concurrency} at a time, "
            f"run directory {directory}"
        )

    def session_started(self, session_id: str) -> None:
        if session_id not in self._finished:  # its result may overtake this message
            self._running[session_id] = self._clock()
            self._refresh()

    def call_started(self, session_id: str) -> None:
        if session_id not in self._finished:
            self._line(f"  {session_id}: call started")

    def session_finished(self, session_id: str, result: SessionResult) -> None:
        self._end(session_id, failed=result.verdict.outcome == "failed")
        self._untrusted += not result.timing_trust.get("trusted", True)
        for line in finished_lines(f"[{self.done}/{self._total}]", session_id, result):
            self._line(line)
        self._after_session()

    def session_failed(self, session_id: str, message: str) -> None:
        self._end(session_id, failed=True)
        self._line(f"[{self.done}/{self._total}] {session_id}: FAILED: {message}")
        self._after_session()

    def interrupted(self, not_run: list[str]) -> None:
        self._running.clear()
        self._line(
            f"crosstalk: stopped; running sessions were cancelled, {len(not_run)} never "
            f"started ({RUN_FILE}: not_run)"
        )

    def run_finished(self, directory: str, summary: str) -> None:
        self._clear_status()
        untrusted = f", {self._untrusted} with untrustworthy timing" if self._untrusted else ""
        self._print(
            f"crosstalk: done{untrusted} in "
            f"{_clock_text(self._clock() - self._started_at)}; results in {directory}"
        )
        self._print(f"crosstalk: {summary}")

    async def keep_ticking(self) -> None:
        """Redraw the status line every second on a terminal (elapsed time and ETA move)."""
        while self._tty:
            await asyncio.sleep(_TICK_S)
            self._refresh()

    # the status line

    @property
    def done(self) -> int:
        return len(self._durations)

    def eta_s(self) -> float | None:
        """Time left: queued sessions and what running ones still need, spread over the workers."""
        if not self._durations:
            return None
        mean = sum(self._durations) / len(self._durations)
        now = self._clock()
        queued = max(0, self._total - self.done - len(self._running))
        running_left = sum(max(0.0, mean - (now - began)) for began in self._running.values())
        return (queued * mean + running_left) / self._concurrency

    def status(self) -> str:
        eta = self.eta_s()
        untrusted = f", {self._untrusted} untrusted timing" if self._untrusted else ""
        return (
            f"crosstalk: {self.done}/{self._total} done, {len(self._running)} running, "
            f"{self._failed} failed{untrusted}; elapsed "
            f"{_clock_text(self._clock() - self._started_at)}, "
            f"ETA {'--' if eta is None else _clock_text(eta)}"
        )

    # output

    def _end(self, session_id: str, *, failed: bool) -> None:
        self._finished.add(session_id)
        began = self._running.pop(session_id, self._clock())
        self._durations.append(self._clock() - began)
        self._failed += failed

    def _after_session(self) -> None:
        if self._tty:
            self._refresh()
        else:
            self._print(self.status())

    def _print(self, text: str) -> None:
        if not self._quiet:
            print(text, file=self._stream, flush=True)

    def _line(self, text: str) -> None:
        """A line of its own; on a terminal, printed above the status line."""
        self._clear_status()
        self._print(text)
        self._refresh()

    def _clear_status(self) -> None:
        if self._tty and self._status_shown and not self._quiet:
            self._stream.write(_CLEAR_LINE)
            self._stream.flush()
            self._status_shown = False

    def _refresh(self) -> None:
        if self._tty and not self._quiet and self._total:
            self._stream.write(_CLEAR_LINE + self.status())
            self._stream.flush()
            self._status_shown = True
