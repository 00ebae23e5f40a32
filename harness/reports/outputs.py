"""A run directory's derived files in one step: results, JUnit, the report, the comparison."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..judging.settings import JudgeSettings
from ..rundir.files import read_object_or_none, write_json_if_changed
from ..rundir.layout import RunPaths
from .compare import compare, load_results
from .loading import Run, load_run
from .regressions import regression_lines
from .tolerances import Tolerances


@dataclass
class RunOutputs:
    run: Run
    results: dict[str, Any]
    comparison: dict[str, Any] | None
    files: list[Path]

    @property
    def passed(self) -> bool:
        return bool(self.results["passed"])

    @property
    def regressed(self) -> bool:
        return bool(self.comparison and self.comparison["regressed"])

    def exit_code(self, *, allow_inconclusive: bool = False) -> int:
        """The run's exit code, as the one verdict (judging/run_verdict.py) decides it with this
        comparison's regressions."""
        verdict = self.run.verdict_with(regression_lines(self.comparison))
        return verdict.exit_code(allow_inconclusive=allow_inconclusive)


def history_of(folder: Path, run: Run, last: int) -> list[dict[str, Any]]:
    """Results of earlier runs of the same suite in `folder` (same scenarios), oldest first."""
    from .results import results_document

    suite = {s.scenario for s in run.sessions}
    found: list[dict[str, Any]] = []
    for directory in sorted(p for p in folder.iterdir() if p.is_dir()):
        if directory.resolve() == run.directory.resolve():
            continue
        try:
            document = load_results(directory)
        except Exception:
            continue  # not a run directory, or an unreadable one: not part of the trend
        if {s.get("scenario") for s in document.get("sessions") or []} == suite:
            found.append(document)
    return [*found[-max(0, last - 1) :], results_document(run)] if last > 1 else []


def refresh_run_json(run: Run) -> None:
    """run.json's outcome fields follow the session files (`crosstalk judge` may change them)."""
    path = RunPaths(run.directory).run
    document = read_object_or_none(path)  # kept whole: every key it has stays, in its order
    if document is None:
        return
    by_id = {session.session_id: session for session in run.sessions}
    for entry in document.get("sessions") or []:
        session = by_id.get(entry.get("session_id")) if isinstance(entry, dict) else None
        if session is not None:
            entry.update(session.verdict.to_json("verdict"), passed=session.passed)
    document.update(outcome=run.outcome, passed=run.passed)
    write_json_if_changed(path, document)


def write_run_outputs(
    directory: Path,
    *,
    baseline: Path | None = None,
    history: Path | None = None,
    last: int = 10,
    tolerances: Tolerances | None = None,
    audio: str = "embed",
    audio_budget_mb: float | None = None,
    summary_judge: JudgeSettings | None = None,
) -> RunOutputs:
    """results.json, results.csv, turns.csv, junit.xml and report.html for one run directory;
    with `summary_judge` configured, the model-written summary too (reports/written.py)."""
    from .html import DEFAULT_AUDIO_BUDGET_MB, ReportOptions, write_report
    from .junit import write_junit
    from .results import results_document, run_summary, write_results
    from .written import written_summary

    run = load_run(directory)
    refresh_run_json(run)
    comparison = None
    if baseline is not None:
        comparison = compare(load_results(baseline), results_document(run), tolerances)
    written = written_summary(run, run_summary(run), summary_judge)
    results = write_results(run, comparison, written)
    options = ReportOptions(
        audio=audio,
        audio_budget_mb=audio_budget_mb or DEFAULT_AUDIO_BUDGET_MB,
        history=history_of(history, run, last) if history else [],
        written_summary=written,
    )
    paths = RunPaths(directory)
    files = [
        paths.results,
        paths.results_csv,
        paths.turns_csv,
        write_junit(run),
        write_report(run, comparison, options),
    ]
    return RunOutputs(run, results, comparison, files)


@dataclass(frozen=True)
class OutputOptions:
    """What `run` and `report` add to a run's derived files: a comparison, trends, audio."""

    baseline: Path | None = None
    history: Path | None = None
    last: int = 10
    tolerances: Tolerances = field(default_factory=Tolerances)
    audio: str = "embed"
    audio_budget_mb: float | None = None
    summary_judge: JudgeSettings | None = None  # configured: a model-written summary too

    def check(self) -> None:
        """Raise ConfigError for a baseline or history folder that cannot be read."""
        if self.baseline is not None:
            load_results(self.baseline)
        if self.history is not None and not self.history.is_dir():
            raise ConfigError(f"{self.history}: --history must be a folder of run directories")

    def write(self, directory: Path) -> RunOutputs:
        """`write_run_outputs` of `directory` with these options."""
        return write_run_outputs(
            directory,
            baseline=self.baseline,
            history=self.history,
            last=self.last,
            tolerances=self.tolerances,
            audio=self.audio,
            audio_budget_mb=self.audio_budget_mb,
            summary_judge=self.summary_judge,
        )
