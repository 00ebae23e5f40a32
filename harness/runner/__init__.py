"""Schedules sessions and owns the run directory: one folder per run, one per session inside it."""

from .plan import SessionPlan, expand_paths, plan_sessions
from .progress import Progress
from .run import RunResult, load_all, run_scenarios
from .session import SessionRun
from .session_result import SessionResult

__all__ = [
    "Progress",
    "RunResult",
    "SessionResult",
    "SessionRun",
    "SessionPlan",
    "expand_paths",
    "plan_sessions",
    "load_all",
    "run_scenarios",
]
