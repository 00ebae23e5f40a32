"""pytest integration: scenario files as pytest tests, and a `crosstalk_run` fixture.

`pytest --crosstalk scenarios/` collects every scenario YAML given (personas are skipped) as one
test that places its calls with `crosstalk run` in a child process; the test fails with the
sessions' one-line reasons, and the run's report path is attached to the test. The fixture runs
the same command from a test of your own and returns the exit code and results.json.

The plugin is registered through the `pytest11` entry point when crosstalk is installed; from a
source checkout, load it with `pytest -p crosstalk_harness.pytest_plugin`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml


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
        comparison = self.results.get("comparison") or {}
        for row in comparison.get("rows") or []:
            if row.get("verdict") == "worse":
                lines.append(
                    f"{row['cell']}: {row['label']} regressed by {row['delta']:+g} {row['unit']}"
                )
        if not lines and not self.passed:
            lines.extend(self.stderr.strip().splitlines()[-5:])  # crosstalk's one-line error
        return lines


def run_crosstalk_scenarios(
    scenarios: list[Path],
    out: Path,
    *,
    baseline: Path | None = None,
    extra_args: tuple[str, ...] = (),
    timeout_s: float = 3600,
) -> CrosstalkRun:
    command = [sys.executable, "-m", "crosstalk_harness", "run", *map(str, scenarios)]
    command += ["--out", str(out)]
    command += ["--quiet", "--json", *extra_args]
    if baseline is not None:
        command += ["--baseline", str(baseline)]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=timeout_s, env=dict(os.environ)
    )
    directory, results = None, {}
    try:
        directory = Path(json.loads(completed.stdout)["directory"])
        results = json.loads((directory / "results.json").read_text(encoding="utf-8"))
    except (ValueError, KeyError, OSError):
        pass  # bad input (exit 2) prints no run; the stderr line says why
    return CrosstalkRun(
        completed.returncode, directory, results, completed.stdout, completed.stderr
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("crosstalk", "crosstalk voice-agent scenarios")
    group.addoption(
        "--crosstalk",
        action="store_true",
        help="collect scenario YAML files among the given paths as tests (each runs its calls)",
    )
    group.addoption(
        "--crosstalk-out",
        default="reports",
        metavar="DIR",
        help="folder for the run directories (default: reports)",
    )
    group.addoption(
        "--crosstalk-baseline",
        default=None,
        metavar="PATH",
        help="run directory or results.json to compare against; a regression fails the test",
    )


def _is_scenario(path: Path) -> bool:
    if path.suffix not in (".yaml", ".yml") or path.parent.name == "personas":
        return False
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return True  # let the run report the broken file as a failing test
    return isinstance(document, dict) and "persona" in document


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if parent.config.getoption("crosstalk") and _is_scenario(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            document = yaml.safe_load(self.path.read_text(encoding="utf-8"))
            name = str(document.get("name") or self.path.stem)
        except Exception:
            name = self.path.stem
        yield ScenarioItem.from_parent(self, name=name)


class ScenarioFailed(Exception):
    """A scenario's calls did not pass; the message is the reasons, one per line."""


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        config = self.config
        baseline = config.getoption("crosstalk_baseline")
        run = run_crosstalk_scenarios(
            [self.path],
            Path(config.getoption("crosstalk_out")),
            baseline=Path(baseline) if baseline else None,
        )
        if run.directory is not None:
            self.user_properties.append(("report", str(run.directory / "report.html")))
        if not run.passed:
            kind = {1: "failed", 2: "bad input", 3: "infrastructure error"}.get(
                run.exit_code, f"exit {run.exit_code}"
            )
            where = f"\nreport: {run.directory / 'report.html'}" if run.directory else ""
            raise ScenarioFailed(f"crosstalk run: {kind}\n" + "\n".join(run.reasons()) + where)

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
