"""Where the offline models do their CPU work: worker threads off the event loop.

Speech synthesis and transcription are batch work; the audio clock is not. Native compute
threads that never hold the GIL (CTranslate2's workers) run in Linux's SCHED_IDLE class, so the
event loop that paces frames wins the CPU on a busy machine. Threads that run Python keep their
normal priority: starved while holding the GIL, they would stall the event loop instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

BATCH_NICENESS = 10
T = TypeVar("T")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def lower_priority(thread_ids: set[int]) -> None:
    """Move native threads that never run Python code to the batch priority."""
    for thread_id in thread_ids:
        try:
            os.sched_setscheduler(thread_id, os.SCHED_IDLE, os.sched_param(0))
        except (OSError, AttributeError):
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, thread_id, BATCH_NICENESS)


def native_threads() -> set[int]:
    """The native ids of this process's threads (empty where /proc is not available)."""
    try:
        return {int(tid) for tid in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def _batch_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="offline-models")
        return _executor


async def run_batch(function: Callable[..., T], *args: object) -> T:
    """Run blocking model work on a low-priority thread and await its result."""
    return await asyncio.get_running_loop().run_in_executor(_batch_executor(), function, *args)
