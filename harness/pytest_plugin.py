"""pytest integration: scenario and suite files as pytest tests, and a `crosstalk_run` fixture.

`pytest --crosstalk scenarios/` makes one test of every scenario and suite file that
`crosstalk run scenarios/` would run: files named on the command line, and the `*.yaml`/`*.yml`
files directly inside named folders (not their subfolders). Personas, rubrics and YAML that is
not crosstalk's (a Helm template, a CI file) are left alone. All of them run in one
`crosstalk run` child process, so the models load once; each test then passes or fails on its
own sessions, with their one-line reasons, and the report path is attached to it. A scenario
that needs an OpenAI key while none is set is skipped, saying so.

The plugin is registered through the `pytest11` entry point when crosstalk is installed, so it
loads in every pytest run of that virtualenv: at import it needs only pytest and the standard
library, and without `--crosstalk` it does nothing. From a source checkout, load it with
`pytest -p crosstalk_harness.pytest_plugin`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .rundir.files import read_object_or_none
from .rundir.layout import RESULTS_FILE, RunPaths

KEYS = ("OPENAI_API_KEY", "OPENAI_BASE_URL")
_CROSSTALK_KEY = re.compile(r"^(persona|suite)\s*:", re.MULTILINE)


@dataclass
class CrosstalkRun:
    """What one `crosstalk run` left: its exit code, run directory and results.json."""

    exit_code: int
    directory: Path | None
    results: dict[str, Any] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def reasons(self) -> list[str]:
        lines = []
        for session in self.results.get("sessions") or []:
            for reason in session.get("reasons") or []:
                lines.append(f"{session.get('session_id')}: {reason}")
        lines.extend(self.regressions())
        if not lines and not self.passed:
            lines.extend(self.stderr.strip().splitlines()[-5:])  # crosstalk's one-line error
        return lines

    def regressions(self) -> list[str]:
        comparison = self.results.get("comparison") or {}
        rows = comparison.get("rows") or []
        worse = [
            f"{row['cell']}: {row['label']} regressed by {row['delta']:+g} {row['unit']}"
            for row in rows
            if row.get("verdict") == "worse"
        ]
        missing = [
            f"{row['cell']}: in the baseline but not run"
            for row in rows
            if row.get("verdict") == "missing"
        ]
        return worse + missing


def _crosstalk(*args: str, timeout_s: float) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "crosstalk_harness", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s, env=dict(os.environ)
    )


def run_crosstalk_scenarios(
    scenarios: list[Path],
    out: Path,
    *,
    baseline: Path | None = None,
    extra_args: tuple[str, ...] = (),
    timeout_s: float = 3600,
) -> CrosstalkRun:
    args = ["run", *map(str, scenarios), "--out", str(out), "--quiet", "--json", *extra_args]
    if baseline is not None:
        args += ["--baseline", str(baseline)]
    completed = _crosstalk(*args, timeout_s=timeout_s)
    directory, results = None, {}
    try:
        directory = Path(json.loads(completed.stdout)["directory"])
    except (ValueError, KeyError, TypeError):
        pass  # bad input (exit 2) prints no run; the stderr line says why
    else:
        results = read_object_or_none(RunPaths(directory).results) or {}
    return CrosstalkRun(
        completed.returncode, directory, results, completed.stdout, completed.stderr
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crosstalk", "crosstalk voice-agent scenarios")
    group.addoption(
        "--crosstalk",
        action="store_true",
        help="collect the scenario and suite files `crosstalk run` would run for the given "
        "paths as tests (all of them run in one `crosstalk run`)",
    )
    group.addoption(
        "--crosstalk-out",
        default="reports",
        metavar="DIR",
        help="folder for the run directories (default: reports)",
    )
    group.addoption(
        "--crosstalk-allow-inconclusive",
        action="store_true",
        help="pass a test whose calls failed nothing but could not all be judged (a rubric "
        "with no judge model offline), as `crosstalk run --allow-inconclusive` exits 0",
    )
    group.addoption(
        "--crosstalk-baseline",
        default=None,
        metavar="PATH",
        help=f"run directory or {RESULTS_FILE} to compare against; a regression fails the tests",
    )


def _named(config: pytest.Config) -> tuple[set[Path], set[Path]]:
    """The files and folders given on the command line (or pytest's default paths)."""
    files: set[Path] = set()
    folders: set[Path] = set()
    for arg in config.args:
        path = Path(os.path.abspath(config.invocation_params.dir / arg.split("::")[0]))
        (folders if path.is_dir() else files).add(path)
    return files, folders


def _kind(path: Path) -> str | None:
    """ "scenario" or "suite" for crosstalk's own files, None for anything else."""
    import yaml  # only with --crosstalk: the plugin itself must stay light

    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError):
        return None
    except yaml.YAMLError:  # broken YAML is ours only if it says so; `crosstalk run` reports it
        return "scenario" if _CROSSTALK_KEY.search(text) else None
    if not isinstance(data, dict) or path.parent.name in ("personas", "judges"):
        return None
    if "suite" in data:
        return "suite"
    return "scenario" if "persona" in data else None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    config = parent.config
    if not config.getoption("crosstalk") or file_path.suffix not in (".yaml", ".yml"):
        return None
    files, folders = _named(config)
    path = Path(os.path.abspath(file_path))
    if path not in files and path.parent not in folders:
        return None  # `crosstalk run` does not look into subfolders either
    kind = _kind(file_path)
    if kind is None and path not in files:
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


def _document(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def missing_key(document: dict[str, Any]) -> str | None:
    """Why a scenario cannot run without an OpenAI key here, or None if it can."""
    if any(os.environ.get(key) for key in KEYS):
        return None
    agent, caller = document.get("agent") or {}, document.get("caller") or {}
    if not isinstance(agent, dict) or not isinstance(caller, dict):
        return None
    needs = [
        f"{side}.backend: openai"
        for side, section in (("agent", agent), ("caller", caller))
        if section.get("backend") == "openai"
    ]
    if caller.get("brain") == "llm":
        needs.append("caller.brain: llm")
    if not needs:
        return None
    return f"{', '.join(needs)} needs OPENAI_API_KEY (or OPENAI_BASE_URL), and neither is set"


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        document = _document(self.path)
        name = str(document.get("suite") or document.get("name") or self.path.stem)
        item = ScenarioItem.from_parent(self, name=name)
        item.suite = document.get("suite") if isinstance(document.get("suite"), str) else None
        reason = None if item.suite else missing_key(document)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"crosstalk: {reason}"))
        yield item


class ScenarioFailed(Exception):
    """A scenario's calls did not pass; the message is the reasons, one per line."""


@dataclass
class _Outcome:
    """One file's share of the batch: its sessions, or the error that kept it from running."""

    sessions: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    directory: Path | None = None
    regressions: list[str] = field(default_factory=list)
    run_reasons: list[str] = field(default_factory=list)  # the run's own (run_verdict.py)
    run_failed: bool = False  # they fail the run (else they make it inconclusive)


class _Batch:
    """Every collected file in one `crosstalk run` (models load once), placed on first use."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._outcomes: dict[Path, _Outcome] | None = None

    def outcome(self, item: ScenarioItem) -> _Outcome:
        if self._outcomes is None:
            items = [
                other
                for other in self._config.stash[_ITEMS]
                if not other.get_closest_marker("skip")
            ]
            self._outcomes = self._run(items)
        return self._outcomes[item.path]

    def _run(self, items: list[ScenarioItem]) -> dict[Path, _Outcome]:
        outcomes: dict[Path, _Outcome] = {}
        runnable = list(items)
        run = self._place(runnable)
        if run.exit_code == 2 and run.directory is None:
            # bad input stops the whole run before any call: find the files at fault
            for item in items:
                checked = _crosstalk("validate", str(item.path), timeout_s=600)
                if checked.returncode != 0:
                    error = (checked.stderr or checked.stdout).strip()
                    outcomes[item.path] = _Outcome(error=f"crosstalk run: bad input\n{error}")
                    runnable.remove(item)
            run = self._place(runnable) if runnable else run
        # only with --crosstalk: at import the plugin needs pytest and the standard library
        from .judging.run_sessions import run_level_reasons, run_sessions, sessions_of_file

        sessions = run_sessions(run.directory)
        run_reasons, run_failed = run_level_reasons(run.directory)
        for item in runnable:
            mine = sessions_of_file(sessions, item.path, item.suite)
            error = "" if mine else _no_sessions(run)
            outcomes[item.path] = _Outcome(
                mine, error, run.directory, run.regressions(), run_reasons, run_failed
            )
        return outcomes

    def _place(self, items: list[ScenarioItem]) -> CrosstalkRun:
        config = self._config
        baseline = config.getoption("crosstalk_baseline")
        allow = (
            ("--allow-inconclusive",) if config.getoption("crosstalk_allow_inconclusive") else ()
        )
        return run_crosstalk_scenarios(
            [item.path for item in items],
            Path(config.getoption("crosstalk_out")),
            baseline=Path(baseline) if baseline else None,
            extra_args=allow,
        )


def _no_sessions(run: CrosstalkRun) -> str:
    kind = {1: "failed", 2: "bad input", 3: "infrastructure error", 4: "inconclusive"}.get(
        run.exit_code, f"exit {run.exit_code}"
    )
    return f"crosstalk run: {kind}, no session of this file ran\n" + "\n".join(
        run.stderr.strip().splitlines()[-5:]
    )


_ITEMS = pytest.StashKey[list["ScenarioItem"]]()
_BATCH = pytest.StashKey[_Batch]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("crosstalk"):
        config.stash[_ITEMS] = [item for item in items if isinstance(item, ScenarioItem)]
        config.stash[_BATCH] = _Batch(config)


class ScenarioItem(pytest.Item):
    suite: str | None = None

    def runtest(self) -> None:
        outcome = self.config.stash[_BATCH].outcome(self)
        if outcome.directory is not None:
            self.user_properties.append(("report", str(RunPaths(outcome.directory).report)))
        where = f"\nreport: {RunPaths(outcome.directory).report}" if outcome.directory else ""
        if outcome.error:
            raise ScenarioFailed(outcome.error + where)
        allowed = {"passed"}
        if self.config.getoption("crosstalk_allow_inconclusive"):
            allowed.add("inconclusive")
        failed = [s for s in outcome.sessions if s.get("outcome", "failed") not in allowed]
        run_level = (
            outcome.run_reasons if outcome.run_failed or "inconclusive" not in allowed else []
        )
        if failed or outcome.regressions or run_level:
            reasons = [
                f"{session.get('session_id')} ({session.get('outcome')}): {reason}"
                for session in failed
                for reason in session.get("reasons") or [session.get("outcome")]
            ]
            undecided = [s for s in failed if s.get("outcome") == "inconclusive"]
            decided = outcome.regressions or (run_level and outcome.run_failed)
            kind = "inconclusive" if undecided == failed and not decided else "failed"
            lines = [*reasons, *outcome.regressions, *run_level]
            raise ScenarioFailed(f"crosstalk run: {kind}\n" + "\n".join(lines) + where)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"crosstalk scenario {self.name}"


@pytest.fixture
def crosstalk_run(tmp_path: Path) -> Callable[..., CrosstalkRun]:
    """Run scenarios with `crosstalk run` (child process) and get exit code and results back."""

    def run(
        *scenarios: str | Path,
        out: Path | None = None,
        baseline: Path | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> CrosstalkRun:
        return run_crosstalk_scenarios(
            [Path(s) for s in scenarios],
            out or tmp_path / "crosstalk",
            baseline=baseline,
            extra_args=extra_args,
        )

    return run
