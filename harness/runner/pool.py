"""Sessions side by side: each in a worker process of its own, so CPU-heavy models cannot starve
another call's audio clock.

The offline models (Whisper, Silero, espeak) run in-process and hold the GIL in bursts; in one
event loop, several calls would delay each other's frames. Each worker process (started with
"spawn": a fresh interpreter, no state copied from the parent) runs one session at a time with
its own event loop, loading and warming its models before its first session's clock starts.

Ctrl-C reaches the parent only (workers ignore SIGINT): the parent sets a shared `stop` event,
workers cancel their running session (which finalises its directory as "cancelled"), and
sessions not yet started are reported as not run.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CrosstalkError, InfrastructureError
from .live_progress import LiveProgress
from .plan import SessionPlan
from .session import SessionResult, SessionRun

logger = logging.getLogger(__name__)
_STOP_POLL_S = 0.1


@dataclass(frozen=True)
class WorkerReport:
    """How one session ended, as a worker hands it back: a result, a failure, or not run."""

    session_id: str
    result: SessionResult | None = None
    error: str | None = None
    not_run: bool = False
    fatal: CrosstalkError | None = None  # bad input found only when the session was built


@dataclass
class PoolOutcome:
    reports: list[WorkerReport]  # in plan order
    cancelled: bool = False
    fatal: CrosstalkError | None = None  # stopped the run: raise it once run.json is written


# --- in the worker process -----------------------------------------------------------------

_stop: Any = None  # multiprocessing Event, set by the parent to stop every session
_messages: Any = None  # multiprocessing Queue, worker -> parent: ("started" | "call_started", id)


def _init_worker(stop: Any, messages: Any, log_path: str) -> None:
    global _stop, _messages
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through `stop`
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # likewise when a CI runner stops the job
    _stop, _messages = stop, messages
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _run_session(plan: SessionPlan, session_id: str, directory: str) -> WorkerReport:
    if _stop.is_set():
        return WorkerReport(session_id, not_run=True)
    _messages.put(("started", session_id))
    return asyncio.run(_run_until_stopped(plan, session_id, Path(directory)))


async def _run_until_stopped(plan: SessionPlan, session_id: str, directory: Path) -> WorkerReport:
    def on_event(record: dict[str, Any]) -> None:
        if record["type"] == "call_started":
            _messages.put(("call_started", session_id))

    task = asyncio.create_task(SessionRun(plan, session_id, directory).run(on_event))
    finished = threading.Event()
    threading.Thread(
        target=_cancel_on_stop,
        args=(asyncio.get_running_loop(), task, finished),
        name="crosstalk-stop-watch",
        daemon=True,
    ).start()
    try:
        return WorkerReport(session_id, result=await task)
    except asyncio.CancelledError:
        return WorkerReport(session_id, result=_result_on_disk(session_id, directory))
    except InfrastructureError as exc:
        return WorkerReport(session_id, error=exc.message)
    except CrosstalkError as exc:
        return WorkerReport(session_id, fatal=exc)
    finally:
        finished.set()


def _cancel_on_stop(
    loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any], finished: threading.Event
) -> None:
    while not finished.is_set():
        if _stop.wait(_STOP_POLL_S):
            with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to stop
                loop.call_soon_threadsafe(task.cancel)
            return


def _result_on_disk(session_id: str, directory: Path) -> SessionResult:
    """A cancelled session's result, as `SessionRun` finalised it in session.json."""
    try:
        document = json.loads((directory / "session.json").read_text(encoding="utf-8"))
        return SessionResult(**document["result"])
    except (OSError, ValueError, TypeError, KeyError):
        return SessionResult(session_id, str(directory), "cancelled", 0.0)


# --- in the parent ----------------------------------------------------------------------------


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Workers started in here inherit an ignored SIGINT from the very start (no traceback from
    a worker still importing when Ctrl-C reaches the whole process group)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


async def _relay(messages: Any, display: LiveProgress) -> None:
    while (message := await asyncio.to_thread(messages.get)) is not None:
        kind, session_id = message
        if kind == "started":
            display.session_started(session_id)
        elif kind == "call_started":
            display.call_started(session_id)


def _report_of(future: asyncio.Future[WorkerReport], session_id: str) -> WorkerReport:
    if future.cancelled():
        return WorkerReport(session_id, not_run=True)
    exc = future.exception()
    if exc is None:
        return future.result()
    if isinstance(exc, BrokenProcessPool):
        return WorkerReport(session_id, error=f"session {session_id}: its worker process died")
    logger.error("session %s crashed in its worker", session_id, exc_info=exc)
    return WorkerReport(session_id, error=f"session {session_id} crashed: {type(exc).__name__}")


def _show(report: WorkerReport, display: LiveProgress) -> None:
    if report.result is not None:
        display.session_finished(report.session_id, report.result)
    elif report.error is not None:
        display.session_failed(report.session_id, report.error)
    elif report.fatal is not None:
        display.session_failed(report.session_id, report.fatal.message)


async def run_in_workers(
    items: list[tuple[str, SessionPlan]],
    directory: Path,
    concurrency: int,
    display: LiveProgress,
) -> PoolOutcome:
    """Run `(session id, plan)` items `concurrency` at a time; stops them all when cancelled.

    Never raises for a session: a cancellation or a fatal error comes back in the outcome, with
    every report gathered so far, so the caller can write run.json first.
    """
    context = multiprocessing.get_context("spawn")
    stop, messages = context.Event(), context.Queue()
    executor = ProcessPoolExecutor(
        min(concurrency, len(items)),
        mp_context=context,
        initializer=_init_worker,
        initargs=(stop, messages, str(directory / "crosstalk.log")),
    )
    relay = asyncio.create_task(_relay(messages, display), name="crosstalk-progress-relay")
    ticker = asyncio.create_task(display.keep_ticking(), name="crosstalk-progress-ticker")
    with _sigint_ignored():
        submitted: list[Future[WorkerReport]] = [
            executor.submit(_run_session, plan, session_id, str(directory / session_id))
            for session_id, plan in items
        ]
    waiting = {
        asyncio.wrap_future(future): session_id
        for future, (session_id, _) in zip(submitted, items, strict=True)
    }
    reports: dict[str, WorkerReport] = {}
    cancelled = False
    fatal: CrosstalkError | None = None
    try:
        pending = set(waiting)
        while pending and fatal is None:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in done:
                report = reports[waiting[future]] = _report_of(future, waiting[future])
                fatal = fatal or report.fatal
                _show(report, display)
    except asyncio.CancelledError:
        cancelled = True
    finally:
        if cancelled or fatal is not None:
            stop.set()
            for future in submitted:
                future.cancel()  # the queued ones; running ones finalise and report
            still_running = [future for future in waiting if not future.done()]
            if still_running:
                await asyncio.wait(still_running)
            for future in still_running:
                report = reports[waiting[future]] = _report_of(future, waiting[future])
                _show(report, display)
        await asyncio.to_thread(executor.shutdown, wait=True, cancel_futures=True)
        messages.put(None)
        await relay
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    ordered = [
        reports.get(session_id) or WorkerReport(session_id, not_run=True) for session_id, _ in items
    ]
    return PoolOutcome(ordered, cancelled, fatal)
