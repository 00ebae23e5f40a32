"""Sessions side by side: each in a worker process of its own, so CPU-heavy models cannot starve
another call's audio clock, and a worker that dies costs only the session it was running.

The offline models (Whisper, Silero, espeak) run in-process and hold the GIL in bursts; in one
event loop, several calls would delay each other's frames. Each worker process (started with
"spawn": a fresh interpreter, no state copied from the parent) runs one session at a time with
its own event loop, loading and warming its models before its first session's clock starts. The
first calls start together, once every worker has loaded its models: a worker still importing
and loading them (about 4 s of CPU) would take the cores the running calls' audio needs.

Each worker talks to the parent over a pipe of its own (no shared queue or lock a dying process
could leave held): the parent hands it one session at a time and hears back "started",
"call_started" and the session's report. When a worker dies (out of memory, a native crash,
SIGKILL), its session is reported as an error and its `session.json` finalised as such; the
other workers carry on and a fresh worker takes the next queued session.

Ctrl-C reaches the parent only (workers ignore SIGINT): the parent sets a shared `stop` event,
workers cancel their running session (which finalises its directory as "cancelled"), and
sessions not yet started are reported as not run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ..errors import CrosstalkError, InfrastructureError, RunFileError
from ..rundir.documents import read_session, write_session
from ..rundir.layout import RunPaths
from ..transport.virtual_clock import run_on_virtual_clock
from .live_progress import LiveProgress
from .plan import SessionPlan
from .session_result import SessionResult, result_on_disk
from .text_session import session_run

logger = logging.getLogger(__name__)
_STOP_POLL_S = 0.1
_WAIT_S = 0.25
_START_TOGETHER_TIMEOUT_S = 180.0  # a worker stuck loading its models holds no call back longer
# the first calls start this far apart: N greetings synthesised in the same instant would each
# wait for all the others (8 at once on 2 cores: 1.6-2.4 s instead of 0.26 s)
_FIRST_CALLS_APART_S = 0.5


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
_start_together: Any = None  # multiprocessing Barrier of the first calls; None once passed


def _worker_main(connection: Connection, stop: Any, start_together: Any, log_path: str) -> None:
    """Run the sessions the parent sends, one at a time, until it sends None."""
    global _stop, _start_together
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us through `stop`
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # likewise when a CI runner stops the job
    _stop, _start_together = stop, start_together
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(processName)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    while (task := connection.recv()) is not None:
        plan, session_id, directory = task
        report = _run_session(plan, session_id, directory, connection)
        connection.send(("done", session_id, report))


def _run_session(
    plan: SessionPlan, session_id: str, directory: str, connection: Connection
) -> WorkerReport:
    if _stop.is_set():
        return WorkerReport(session_id, not_run=True)
    connection.send(("started", session_id, None))
    if plan.mode == "text":
        return run_on_virtual_clock(
            lambda: _run_until_stopped(plan, session_id, Path(directory), connection)
        )
    return asyncio.run(_run_until_stopped(plan, session_id, Path(directory), connection))


async def _run_until_stopped(
    plan: SessionPlan, session_id: str, directory: Path, connection: Connection
) -> WorkerReport:
    def on_event(record: dict[str, Any]) -> None:
        if record["type"] == "call_started":
            connection.send(("call_started", session_id, None))

    run = session_run(plan, session_id, directory)
    task = asyncio.create_task(run.run(on_event, models_loaded=_models_loaded_everywhere))
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
        return WorkerReport(session_id, result=result_on_disk(session_id, directory))
    except InfrastructureError as exc:
        return WorkerReport(session_id, error=exc.message)
    except CrosstalkError as exc:
        return WorkerReport(session_id, fatal=exc)
    finally:
        finished.set()


async def _models_loaded_everywhere() -> int | None:
    """A worker's first call waits for the other workers' first calls to have their models
    loaded, then starts in its place in a short queue (`_FIRST_CALLS_APART_S` apart); later calls
    (and all calls once the parent has released the barrier) do not wait."""
    global _start_together
    barrier, _start_together = _start_together, None
    if barrier is None:
        return None
    try:
        place = await asyncio.to_thread(barrier.wait, _START_TOGETHER_TIMEOUT_S)
    except threading.BrokenBarrierError:
        return None
    await asyncio.sleep(place * _FIRST_CALLS_APART_S)
    return place


def _cancel_on_stop(
    loop: asyncio.AbstractEventLoop, task: asyncio.Task[Any], finished: threading.Event
) -> None:
    while not finished.is_set():
        if _stop.wait(_STOP_POLL_S):
            with contextlib.suppress(RuntimeError):  # the loop already closed: nothing to stop
                loop.call_soon_threadsafe(task.cancel)
            return


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


def _died(session_id: str, directory: Path, exitcode: int | None) -> WorkerReport:
    """The report of a session whose worker died, with its session.json finalised to say so."""
    how = f"killed by signal {-exitcode}" if exitcode and exitcode < 0 else f"exit {exitcode}"
    error = f"session {session_id}: its worker process died ({how})"
    try:
        document = read_session(directory)
    except RunFileError:
        return WorkerReport(session_id, error=error)  # it died before writing anything
    result = SessionResult(session_id, str(directory), "error", 0.0, error=error)
    write_session(
        directory, document.model_copy(update={"status": "error", "result": asdict(result)})
    )
    return WorkerReport(session_id, error=error)


def _show(report: WorkerReport, display: LiveProgress) -> None:
    if report.result is not None:
        display.session_finished(report.session_id, report.result)
    elif report.error is not None:
        display.session_failed(report.session_id, report.error)
    elif report.fatal is not None:
        display.session_failed(report.session_id, report.fatal.message)


@dataclass
class _Worker:
    process: Any  # multiprocessing SpawnProcess
    connection: Connection
    session_id: str | None = None


@dataclass
class _Pool:
    """The parent's side: the queue of sessions, the workers, and what came back."""

    items: deque[tuple[str, SessionPlan]]
    directory: Path
    display: LiveProgress
    context: Any
    stop: Any
    start_together: Any  # multiprocessing Barrier: one party per first worker
    workers: list[_Worker] = field(default_factory=list)
    reports: dict[str, WorkerReport] = field(default_factory=dict)
    fatal: CrosstalkError | None = None

    @property
    def stopping(self) -> bool:
        return self.stop.is_set() or self.fatal is not None

    def start_worker(self) -> None:
        parent_end, child_end = self.context.Pipe()
        with _sigint_ignored():
            process = self.context.Process(
                target=_worker_main,
                args=(
                    child_end,
                    self.stop,
                    self.start_together,
                    str(RunPaths(self.directory).log),
                ),
                name=f"crosstalk-worker-{len(self.workers) + len(self.reports)}",
                daemon=True,
            )
            process.start()
        child_end.close()
        worker = _Worker(process, parent_end)
        self.workers.append(worker)
        self.assign(worker)

    def assign(self, worker: _Worker) -> None:
        """The next queued session, or None (the worker exits) when there is none to run."""
        task = None
        if self.items and not self.stopping:
            session_id, plan = self.items.popleft()
            worker.session_id = session_id
            task = (plan, session_id, str(self.directory / session_id))
        with contextlib.suppress(OSError):  # it died already: `collect` reports it
            worker.connection.send(task)

    def _finished(self, worker: _Worker, session_id: str, report: WorkerReport) -> None:
        # a session over (or failed before its models loaded) has nothing to start together
        # with: the first calls still waiting go ahead
        self.start_together.abort()
        self.reports[session_id] = report
        if report.fatal is not None and self.fatal is None:
            self.fatal = report.fatal
            self.stop.set()  # bad input: the running sessions are cancelled, the rest not run
        _show(report, self.display)
        worker.session_id = None
        self.assign(worker)

    def collect(self, worker: _Worker) -> None:
        """Read what `worker` sent; a worker gone with a session in hand loses only that one."""
        try:
            while worker.connection.poll():
                kind, session_id, report = worker.connection.recv()
                if kind == "started":
                    self.display.session_started(session_id)
                elif kind == "call_started":
                    self.display.call_started(session_id)
                else:
                    self._finished(worker, session_id, report)
        except (EOFError, OSError):
            pass
        if worker.process.is_alive():
            return
        worker.process.join()
        self.start_together.abort()  # it will never reach the barrier
        self.workers.remove(worker)
        worker.connection.close()
        if worker.session_id is not None:
            session_id = worker.session_id
            logger.error(
                "the worker running %s died (exit %s)", session_id, worker.process.exitcode
            )
            report = _died(session_id, self.directory / session_id, worker.process.exitcode)
            self.reports[session_id] = report
            _show(report, self.display)
            if self.items and not self.stopping:
                self.start_worker()  # the rest of the queue still runs

    async def drain(self) -> None:
        """Until every worker has exited: hand out sessions and gather their reports."""
        while self.workers:
            handles = [w.connection for w in self.workers] + [
                w.process.sentinel for w in self.workers
            ]
            await asyncio.to_thread(wait, handles, _WAIT_S)
            for worker in list(self.workers):
                self.collect(worker)


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
    first = max(1, min(concurrency, len(items)))
    pool = _Pool(deque(items), directory, display, context, context.Event(), context.Barrier(first))
    ticker = asyncio.create_task(display.keep_ticking(), name="crosstalk-progress-ticker")
    cancelled = False
    try:
        for _ in range(min(concurrency, len(items))):
            pool.start_worker()
        await pool.drain()
    except asyncio.CancelledError:
        cancelled = True
    finally:
        if cancelled or pool.fatal is not None or pool.workers:
            pool.stop.set()  # running sessions finalise as cancelled; queued ones are not run
            pool.start_together.abort()
            await asyncio.shield(pool.drain())
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    ordered = [
        pool.reports.get(session_id) or WorkerReport(session_id, not_run=True)
        for session_id, _ in items
    ]
    return PoolOutcome(ordered, cancelled, pool.fatal)
