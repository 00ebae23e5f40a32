"""Merge the run directories of a suite's shards into one run directory, for one report.

Each shard (`crosstalk run --shard I/N`) writes its own run directory; its sessions keep their
suite numbers (`NN-label`), so copying them side by side gives the run a single machine would
have written. `run.json` is merged: sessions in suite order, errors concatenated, the run
cancelled if any shard was, and the shards it came from listed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def _run_document(directory: Path) -> dict[str, Any]:
    path = directory / "run.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{directory}: not a run directory (no run.json)") from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read it ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("sessions"), list):
        raise ConfigError(f"{path}: not a crosstalk run.json (no sessions list)")
    return document


def merge_runs(run_dirs: list[Path], into: Path) -> Path:
    """Copy every session of `run_dirs` into `into` and write the merged run.json."""
    if into.exists() and any(into.iterdir()):
        raise ConfigError(f"{into}: --merge-into must be a new or empty folder")
    documents = [(directory, _run_document(directory)) for directory in run_dirs]
    into.mkdir(parents=True, exist_ok=True)
    sessions: dict[str, dict[str, Any]] = {}
    for directory, document in documents:
        for entry in document["sessions"]:
            session_id = entry["session_id"]
            if session_id in sessions:
                raise ConfigError(
                    f"{directory}: session {session_id} is also in another run",
                    hint="merge the shards of one suite: their sessions are numbered apart",
                )
            source = directory / session_id
            if source.is_dir():
                shutil.copytree(source, into / session_id)
            sessions[session_id] = {**entry, "directory": str(into / session_id)}
    merged = {
        "schema": "crosstalk.run/1",
        "run_id": into.name,
        "directory": str(into),
        "passed": all(document.get("passed") is True for _, document in documents),
        "sessions": [sessions[key] for key in sorted(sessions)],
        "errors": [error for _, document in documents for error in document.get("errors", [])],
        "cancelled": any(document.get("cancelled") for _, document in documents),
        "merged_from": [
            {"run_id": document.get("run_id"), "shard": document.get("shard")}
            for _, document in documents
        ],
    }
    (into / "run.json").write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return into
