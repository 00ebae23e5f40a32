"""Judging calls again from their directories, nothing re-run: which sessions a path names, and
each one's judgement with its scenario's `success:` (or an edited copy) and any extra rubrics."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..rundir.files import read_object_or_none, read_optional_object
from ..rundir.layout import TRANSCRIPT_FILE, RunPaths, SessionPaths
from .judge import judge_session_safely, success_of
from .settings import JudgeSettings
from .spec import SuccessConfig
from .verdicts import Judgement


@dataclass(frozen=True)
class EditedSuccess:
    """The `success:` of an edited scenario file, for the sessions of the scenario it names."""

    scenario: str
    success: SuccessConfig
    path: Path


@dataclass(frozen=True)
class RejudgeOptions:
    model: str | None = None
    base_url: str | None = None
    samples: int | None = None
    rubrics: tuple[str, ...] = ()
    edited: EditedSuccess | None = None


def session_dirs(path: Path) -> list[Path]:
    """`path` itself if it is a session directory, else the session directories inside it (none
    in a run directory whose calls all broke before a transcript: its verdict is still given)."""
    if SessionPaths(path).has_transcript():
        return [path]
    found = [paths.directory for paths in RunPaths(path).judged_sessions()]
    if not found and not RunPaths(path).run.is_file():
        raise ConfigError(
            f"{path}: neither a session directory nor a run directory (no {TRANSCRIPT_FILE})",
            hint="e.g. crosstalk judge reports/<run-id> or reports/<run-id>/<session-id>",
        )
    return found


def scenario_name(document: dict[str, Any]) -> str:
    """The scenario a session.json ran."""
    return str(document.get("scenario_name") or (document.get("scenario") or {}).get("name"))


def edited_success(
    name: str, success: SuccessConfig, path: Path, directories: list[Path]
) -> EditedSuccess:
    """The edited `success:` of scenario `name`, which must be among the judged sessions'."""
    names = set()
    for directory in directories:
        document = read_object_or_none(SessionPaths(directory).session)
        if document is not None:
            names.add(scenario_name(document))
    if name not in names:
        raise ConfigError(
            f"{path}: scenario {name!r} is not among the judged sessions "
            f"({', '.join(sorted(names)) or 'none'})",
            hint="--scenario takes the edited copy of the scenario those sessions ran",
        )
    return EditedSuccess(name, success, path)


def _judging_plan(
    directory: Path, options: RejudgeOptions
) -> tuple[SuccessConfig, Path | None, JudgeSettings]:
    """What judging `directory` takes: its `success:`, the scenario file and the judge settings."""
    edited = options.edited
    paths = SessionPaths(directory)
    document = read_optional_object(paths.session) or {}
    success, scenario_path = success_of(document, paths.session)
    if edited is not None and scenario_name(document) == edited.scenario:
        success, scenario_path = edited.success, edited.path
    if options.rubrics:
        extra = (r for r in options.rubrics if r not in success.rubrics)
        success = success.model_copy(update={"rubrics": [*success.rubrics, *extra]})
    settings = JudgeSettings.resolve(
        success.judge, model=options.model, base_url=options.base_url, samples=options.samples
    )
    return success, scenario_path, settings


def rejudge(directories: list[Path], options: RejudgeOptions) -> list[tuple[Path, Judgement]]:
    """Judge each session directory again, rewriting its judgement.json.

    Every session's `success:` is validated before any is judged: a name that no longer
    resolves (a renamed rubric file) stops the command with nothing rewritten, so no directory is
    left with some judgements fresh and others from before."""
    plans = [(directory, _judging_plan(directory, options)) for directory in directories]
    return [
        (directory, asyncio.run(judge_session_safely(directory, success, settings, scenario)))
        for directory, (success, scenario, settings) in plans
    ]
