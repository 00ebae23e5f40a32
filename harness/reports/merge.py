"""Merge the run directories of a suite's shards into one run directory, for one report.

Each shard (`crosstalk run --shard I/N`) writes its own run directory; its sessions keep their
suite numbers (`NN-label`), so copying them side by side gives the run a single machine would
have written. Every session folder is copied, listed in `sessions` or not (one that ended in an
infrastructure error is only named in `errors`), and each shard's `crosstalk.log` is kept under
`shards/<run-id>/`. `run.json` is merged: sessions in suite order, errors and not-run sessions
concatenated, the run cancelled if any shard was, and the shards it came from listed. Its
outcome is the one run verdict's (judging/run_verdict.py): a merge that lacks one of the N
shards, or holds one twice, is failed, never passed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..judging.run_verdict import run_verdict
from ..rundir.documents import read_run, write_run
from ..rundir.layout import RUN_FILE, RunPaths


def _run_document(directory: Path) -> dict[str, Any]:
    paths = RunPaths(directory)
    if not paths.run.is_file():
        raise ConfigError(f"{directory}: not a run directory (no {RUN_FILE})")
    document = read_run(directory)
    if "sessions" not in document.model_fields_set:
        raise ConfigError(f"{paths.run}: not a crosstalk {RUN_FILE} (no sessions list)")
    return document.to_json()


def _session_ids(directory: Path, document: dict[str, Any]) -> list[str]:
    """Every session a shard holds: listed ones and any folder with a session.json (a session
    that ended in an error or was cancelled is only in `errors`, or in no list at all)."""
    listed = [str(entry["session_id"]) for entry in document["sessions"]]
    on_disk = [paths.directory.name for paths in RunPaths(directory).sessions()]
    return list(dict.fromkeys([*listed, *sorted(on_disk)]))


def merge_runs(run_dirs: list[Path], into: Path) -> Path:
    """Copy every session and log of `run_dirs` into `into` and write the merged run.json."""
    if into.exists() and any(into.iterdir()):
        raise ConfigError(f"{into}: --merge-into must be a new or empty folder")
    documents = [(directory, _run_document(directory)) for directory in run_dirs]
    into.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, Any]] = {}
    copied: dict[str, Path] = {}
    for directory, document in documents:
        listed = {str(entry["session_id"]): entry for entry in document["sessions"]}
        for session_id in _session_ids(directory, document):
            if session_id in copied:
                raise ConfigError(
                    f"{directory}: session {session_id} is also in another run",
                    hint="merge the shards of one suite: their sessions are numbered apart",
                )
            copied[session_id] = directory
            source = directory / session_id
            if source.is_dir():
                shutil.copytree(source, into / session_id)
            if session_id in listed:
                entries[session_id] = {**listed[session_id], "directory": str(into / session_id)}
        log = RunPaths(directory).log
        if log.is_file():  # each shard's full log, tracebacks included, kept beside the sessions
            shard_logs = RunPaths(into).shard_logs(str(document.get("run_id") or directory.name))
            shard_logs.mkdir(parents=True, exist_ok=True)
            shutil.copy2(log, shard_logs / log.name)
    merged = {
        "schema": "crosstalk.run/2",
        "run_id": into.name,
        "directory": str(into),
        "sessions": [entries[key] for key in sorted(entries)],
        "errors": [error for _, document in documents for error in document.get("errors", [])],
        "cancelled": any(document.get("cancelled") for _, document in documents),
        "not_run": sorted(
            session_id for _, document in documents for session_id in document.get("not_run", [])
        ),
        "merged_from": [
            {"run_id": document.get("run_id"), "shard": document.get("shard")}
            for _, document in documents
        ],
    }
    write_run(into, merged)
    # decided from the merged files as for any run: every shard's sessions, and all N shards
    verdict = run_verdict(into)
    write_run(
        into,
        {
            "schema": merged["schema"],
            "outcome": verdict.outcome,
            "passed": verdict.passed,
            **merged,
        },
    )
    return into
