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
