"""Native teardown noise after the command has finished is kept off the terminal."""

from __future__ import annotations

import subprocess
import sys

_SCRIPT = """
import os, sys
from crosstalk_harness.native_exit import quiet_native_teardown

class LateNativeWriter:  # like a runtime thread that writes while the interpreter finalizes
    def __del__(self):
        os.write(2, b"thread 'tokio-rt-worker' panicked\\n")

quiet_native_teardown()
writer = LateNativeWriter()
print("the command's own last word", file=sys.stderr)
"""


def test_what_is_written_after_the_command_ends_does_not_reach_stderr():
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True)
    assert done.returncode == 0
    assert "the command's own last word" in done.stderr
    assert "panicked" not in done.stderr


def test_without_the_handler_the_late_write_would_show():
    script = _SCRIPT.replace("quiet_native_teardown()\n", "")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert "panicked" in done.stderr  # so the test above pins the handler, not the setup


_ABORTING_TEARDOWN = """
import os
from crosstalk_harness.native_exit import exit_process, quiet_native_teardown

class AbortsAtTeardown:  # like a native thread whose unwind aborts the finalizing interpreter
    def __del__(self):
        os.abort()

quiet_native_teardown()
doomed = AbortsAtTeardown()
exit_process(143)
"""


def test_a_run_that_chose_its_exit_code_keeps_it_whatever_the_teardown_would_do():
    done = subprocess.run([sys.executable, "-c", _ABORTING_TEARDOWN], capture_output=True)
    assert done.returncode == 143


def test_without_exit_process_that_teardown_would_abort_the_process():
    script = _ABORTING_TEARDOWN.replace("exit_process(143)", "raise SystemExit(143)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert done.returncode == -6
