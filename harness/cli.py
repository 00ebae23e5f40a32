"""The `crosstalk` command: the parser built from the commands, one run, errors as exit codes.

This is the one place where exceptions become exit codes: user errors print one line and a hint,
infrastructure errors exit 3, and unexpected errors say where the traceback was logged. Each
subcommand's arguments and work are its module's in `commands/`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from . import __version__
from .commands import COMMANDS
from .commands.arguments import EXIT_CODES_HELP, RAW
from .errors import EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED, EXIT_TERMINATED, CrosstalkError
from .native_exit import exit_process


class _OneLineFormatter(logging.Formatter):
    """Terminal log lines without tracebacks: those go to the run's crosstalk.log."""

    def format(self, record: logging.LogRecord) -> str:
        first_line = record.getMessage().splitlines()[0] if record.getMessage() else ""
        return f"{record.levelname} {record.name}: {first_line}"


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crosstalk",
        description="Test realtime voice agents: simulated callers talk to your agent over live "
        "audio, and every call leaves a recording, events and a transcript behind.",
        epilog=EXIT_CODES_HELP,
        formatter_class=RAW,
    )
    parser.add_argument("--version", action="version", version=f"crosstalk {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(subcommands)
    return parser


_terminated = threading.Event()


def _on_sigterm(signum: int, frame: Any) -> None:
    """SIGTERM does what Ctrl-C does (cancel, keep artifacts, write run.json and the report)."""
    _terminated.set()
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)  # asyncio.run's handler cancels the running task
    else:
        raise KeyboardInterrupt


def _log_errors_to_terminal() -> None:
    terminal = logging.StreamHandler()
    terminal.setLevel(logging.ERROR)
    terminal.setFormatter(_OneLineFormatter())
    # libraries' errors go to the run's log only
    terminal.addFilter(logging.Filter("crosstalk_harness"))
    logging.basicConfig(handlers=[terminal])


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    _log_errors_to_terminal()
    handlers = {command.NAME: command.handle for command in COMMANDS}
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return handlers[args.command](args)
    except CrosstalkError as exc:
        print(exc.render(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        how = "terminated (SIGTERM)" if _terminated.is_set() else "interrupted"
        print(f"crosstalk: {how}; artifacts so far are kept", file=sys.stderr)
        return EXIT_TERMINATED if _terminated.is_set() else EXIT_INTERRUPTED
    except Exception as exc:
        if os.environ.get("CROSSTALK_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc}\n"
            "  hint: this is a crosstalk bug; CROSSTALK_DEBUG=1 shows the traceback",
            file=sys.stderr,
        )
        return EXIT_INFRASTRUCTURE


def entry() -> None:
    """The `crosstalk` command: `main`, then the process ends with its exit code."""
    exit_process(main())


if __name__ == "__main__":
    entry()
