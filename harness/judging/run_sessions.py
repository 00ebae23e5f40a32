"""What a finished run directory says for one scenario or suite file: its sessions' results.json
rows (matched through their session.json) and the run's own reasons, as the one run verdict
decides them. The pytest plugin reads a child `crosstalk run` through this, one test per file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..rundir.files import read_object_or_none
from ..rundir.layout import RunPaths
from .run_verdict import run_verdict

SessionRows = list[tuple[dict[str, Any], dict[str, Any]]]


def run_sessions(directory: Path | None) -> SessionRows:
    """(session.json, results.json row) of every session of a run."""
    if directory is None:
        return []
    paths = RunPaths(directory)
    results = read_object_or_none(paths.results)
    if results is None:
        return []
    found = []
    for row in results.get("sessions") or []:
        session = paths.session(str(row.get("session_id")))
        found.append((read_object_or_none(session.session) or {}, row))
    return found


def sessions_of_file(sessions: SessionRows, path: Path, suite: str | None) -> list[dict[str, Any]]:
    """The results rows of the sessions `path` ran: a suite's by its name, a scenario file's by
    its absolute path (a scenario a suite ran is the suite's, not its own file's)."""
    absolute = os.path.abspath(path)
    return [
        row
        for meta, row in sessions
        if (
            meta.get("suite") == suite
            if suite
            else meta.get("suite") is None
            and os.path.abspath(meta.get("scenario_file", "")) == absolute
        )
    ]


def run_level_reasons(directory: Path | None) -> tuple[list[str], bool]:
    """The run's own reasons (a worker that died loading models, sessions never started), each
    as `run: <reason>`, and whether they fail the run (else they make it inconclusive)."""
    if directory is None:
        return [], False
    own = run_verdict(directory).run
    return [f"run: {reason}" for reason in own.reasons], own.outcome == "failed"
