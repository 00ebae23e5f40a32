"""Typed reads and writes of a run directory's documents: session.json, transcript.json,
run.json, the agent's events and a sweep's sweep.json, each checked on the way in.

A document that is missing, not JSON, or not of its model's shape raises `RunFileError`
naming the file and the field at fault; callers that must survive a broken session (the
report) catch it and note it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import RunFileError
from .files import read_json_object, read_jsonl, write_json
from .layout import RunPaths, SessionPaths, SweepPaths
from .models import AgentEvent, RunDocument, SessionDocument, Transcript, Turn

Model = TypeVar("Model", bound=BaseModel)


def _problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "the document"
    more = f" (+{error.error_count() - 1} more)" if error.error_count() > 1 else ""
    return f"{where}: {first['msg']}{more}"


def parse(model: type[Model], document: Any, path: Path) -> Model:
    """`document` (read from `path`) as `model`; RunFileError naming the field at fault."""
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise RunFileError(path, f"not a valid {path.name}: {_problem(exc)}") from None


def read_session(directory: Path) -> SessionDocument:
    path = SessionPaths(directory).session
    return parse(SessionDocument, read_json_object(path), path)


def write_session(directory: Path, document: SessionDocument) -> None:
    write_json(SessionPaths(directory).session, document.to_json())


def read_transcript(directory: Path) -> Transcript:
    path = SessionPaths(directory).transcript
    return parse(Transcript, read_json_object(path), path)


def write_transcript(directory: Path, turns: Iterable[Turn]) -> None:
    write_json(SessionPaths(directory).transcript, Transcript(turns=list(turns)).to_json())


def read_run(directory: Path) -> RunDocument:
    path = RunPaths(directory).run
    return parse(RunDocument, read_json_object(path), path)


def write_run(directory: Path, document: dict[str, Any]) -> None:
    """run.json as its writer laid it out (a run and a merged run order their keys apart)."""
    write_json(RunPaths(directory).run, document)


def write_sweep(directory: Path, document: dict[str, Any]) -> None:
    write_json(SweepPaths(directory).sweep, document)


def read_sweep(path: Path) -> dict[str, Any]:
    """sweep.json of the sweep directory `path` (or the file itself); RunFileError when it is
    missing, broken or not a sweep's."""
    file = SweepPaths.of(path).sweep
    document = read_json_object(file)
    if not str(document.get("schema", "")).startswith("crosstalk.sweep/"):
        raise RunFileError(file, "not a sweep's results (no crosstalk.sweep schema)")
    return document


def read_agent_events(directory: Path) -> tuple[tuple[AgentEvent, ...], int]:
    """The agent's own events (agent_events.jsonl, if any) and how many lines were unreadable."""
    lines = read_jsonl(SessionPaths(directory).agent_events)
    events, skipped = [], lines.skipped
    for record in lines.records:
        try:
            events.append(AgentEvent.model_validate(record))
        except ValidationError:
            skipped += 1
    return tuple(events), skipped
