"""The pytest plugin: scenarios collected as tests, failures reported with crosstalk's reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from .conftest import REPO


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    plugins = entry_points(group="pytest11")
    registered = any(e.value == "crosstalk_harness.pytest_plugin" for e in plugins)
    plugin = [] if registered else ["-p", "crosstalk_harness.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_scenarios_are_collected_as_tests_and_personas_are_not():
    result = _pytest("--crosstalk", "scenarios/", "personas/", "--collect-only", "-q", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scenarios/demo_order_status.yaml::demo_order_status" in result.stdout
    assert "personas/" not in result.stdout.replace("personas/ ", "")
    scenarios = [
        path for path in (REPO / "scenarios").rglob("*.yaml") if "suite:" not in path.read_text()
    ]
    assert f"{len(scenarios)} tests collected" in result.stdout


def test_without_the_flag_yaml_files_are_not_tests():
    result = _pytest("scenarios/", "--collect-only", "-q", cwd=REPO)
    assert "demo_order_status" not in result.stdout


def test_a_failing_scenario_fails_its_test_with_the_reason(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "lost.yaml").write_text(
        "name: lost\npersona: nobody_by_this_name\nagent:\n  factory: x:y\n"
    )
    (tmp_path / "test_fixture.py").write_text(
        "def test_fixture_reports_bad_input(crosstalk_run):\n"
        "    run = crosstalk_run('scenarios/lost.yaml')\n"
        "    assert run.exit_code == 2 and run.directory is None\n"
        "    assert 'nobody_by_this_name' in run.stderr\n"
    )
    result = _pytest("--crosstalk", "scenarios/", "test_fixture.py", "-q", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed, 1 passed" in result.stdout
    assert "crosstalk run: bad input" in result.stdout
    assert "nobody_by_this_name" in result.stdout
    assert "Traceback" not in result.stdout
