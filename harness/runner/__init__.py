"""Schedules sessions and owns the run directory: one folder per run, one per session inside it."""

from .progress import Progress
from .run import RunResult, expand_scenario_paths, load_all, run_scenarios
from .session import SessionResult, SessionRun

__all__ = [
    "Progress",
    "RunResult",
    "SessionResult",
    "SessionRun",
    "expand_scenario_paths",
    "load_all",
    "run_scenarios",
]
