"""User-facing errors and the exit codes they map to (the CLI is the one place that maps them)."""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INFRASTRUCTURE = 3
EXIT_INCONCLUSIVE = 4  # nothing failed, but something asked for could not be judged
EXIT_INTERRUPTED = 130  # Ctrl-C (SIGINT)
EXIT_TERMINATED = 143  # SIGTERM (CI runners, Kubernetes): handled like Ctrl-C


def outcome_exit_code(outcome: str, *, allow_inconclusive: bool = False) -> int:
    """0 only when everything passed; 4 when nothing failed but something was not judged (0 with
    `--allow-inconclusive`, for jobs that knowingly run without e.g. a judge model)."""
    if outcome == "passed":
        return EXIT_OK
    if outcome == "inconclusive":
        return EXIT_OK if allow_inconclusive else EXIT_INCONCLUSIVE
    return EXIT_FAILED


def worst_exit_code(codes: list[int]) -> int:
    """The exit code of several runs' codes: an infrastructure error, else a failure, else
    inconclusive, else 0."""
    for code in (EXIT_INFRASTRUCTURE, EXIT_FAILED, EXIT_INCONCLUSIVE):
        if code in codes:
            return code
    return EXIT_OK


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


class RunFileError(ConfigError):
    """A file of a run directory that is missing or cannot be read: names the file and why.

    Bad input (exit 2): the user pointed a command at a folder whose files are not what a run
    leaves, or a file was damaged after the run wrote it.
    """

    def __init__(self, path: Path, cause: str, *, hint: str | None = None) -> None:
        super().__init__(f"{path}: {cause}", hint=hint)
        self.path = path
        self.cause = cause
