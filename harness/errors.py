"""User-facing errors and the exit codes they map to (the CLI is the one place that maps them)."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3


def exit_codes_help(*lines: str) -> str:
    """The `exit codes:` epilog of a subcommand's --help, one `N  meaning` line each."""
    return "exit codes:\n" + "\n".join(f"  {line}" for line in lines)


class CrosstalkError(Exception):
    """An error the user can act on: printed as one line plus a hint, never as a traceback."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        return f"error: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")


class ConfigError(CrosstalkError):
    """Bad configuration or input: a missing file, bad YAML, an unknown field or import path."""

    exit_code = EXIT_BAD_INPUT


class InfrastructureError(CrosstalkError):
    """Something outside the user's configuration failed: a model unreachable, a session crashed."""

    exit_code = EXIT_INFRASTRUCTURE
