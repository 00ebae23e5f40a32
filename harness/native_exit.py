"""Keep the native runtime's teardown off the terminal once the command has said everything.

A realtime call loads livekit's native (Rust, tokio) runtime through `livekit.rtc` (audio
resampling). Its worker threads call back into Python; one that does so while the interpreter
is finalizing is ended by CPython with `pthread_exit`, whose forced unwind through a Rust frame
prints `thread 'tokio-rt-worker' panicked ... panic in a function that cannot unwind`. The exit
code is unaffected and every artifact is already written, but the message reads like a crash.
`livekit.rtc` disposes the runtime at exit itself; this module's handler runs after that one
(it is registered earlier, and `atexit` runs handlers last-in first-out), flushes what the
command printed and points file descriptor 2 at /dev/null for the rest of the teardown.

The same unwind can abort the process (SIGABRT) before its exit status is set, so a run that
wrote everything and chose exit 143 would end -6. `exit_process` therefore ends a process that
placed calls with `os._exit` once its output and logs are flushed: every artifact is on disk by
then, and the interpreter's teardown has nothing left to do but race the native threads.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
from typing import NoReturn

_registered = False


def _silence_teardown() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


def quiet_native_teardown() -> None:
    """Register the handler (once), before a call can start the native runtime."""
    global _registered
    if not _registered:
        _registered = True
        atexit.register(_silence_teardown)


def exit_process(code: int) -> NoReturn:
    """End the process with `code`; after a call (the handler registered), without teardown."""
    if not _registered:
        sys.exit(code)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)
