"""The pytest plugin: scenarios collected as tests, failures reported with crosstalk's reasons."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points

import pytest

from .calls import run_pytest_plugin as _pytest
from .conftest import REPO


def test_files_are_selected_as_crosstalk_run_selects_them():
    result = _pytest("--crosstalk", "scenarios/", "personas/", "--collect-only", "-q", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scenarios/demo_order_status.yaml::demo_order_status" in result.stdout
    assert "personas/" not in result.stdout.replace("personas/ ", "")
    assert "scenarios/llm/" not in result.stdout and "suites/" not in result.stdout
    assert f"{len(list((REPO / 'scenarios').glob('*.yaml')))} tests collected" in result.stdout


def test_a_named_suite_is_a_test_and_a_named_missing_file_is_an_error():
    result = _pytest("--crosstalk", "scenarios/suites/smoke.yaml", "--collect-only", "-q", cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "scenarios/suites/smoke.yaml::smoke" in result.stdout
    missing = _pytest("--crosstalk", "scenarios/nope.yaml", "--collect-only", "-q", cwd=REPO)
    assert missing.returncode != 0
    assert "nope.yaml" in missing.stdout + missing.stderr


def test_yaml_that_is_not_crosstalks_is_left_alone(tmp_path):
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "values.yaml").write_text("replicas: {{ .Values.replicas }}\n  - x\n")
    (tmp_path / "deploy" / "ci.yaml").write_text("on: [push]\njobs: {}\n")
    (tmp_path / "deploy" / "broken.yaml").write_text("persona: [unclosed\n")
    result = _pytest("--crosstalk", "deploy/", "--collect-only", "-q", cwd=tmp_path)
    assert "values.yaml" not in result.stdout and "ci.yaml" not in result.stdout
    assert "deploy/broken.yaml::broken" in result.stdout  # ours, broken: run reports it
    assert "1 test collected" in result.stdout


def test_a_scenario_that_needs_a_key_without_one_is_skipped_with_the_reason():
    env_free = {
        k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")
    }
    plugins = entry_points(group="pytest11")
    registered = any(e.value == "crosstalk_harness.pytest_plugin" for e in plugins)
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q"]
    command += [] if registered else ["-p", "crosstalk_harness.pytest_plugin"]
    result = subprocess.run(
        [*command, "--crosstalk", "scenarios/llm/"],
        cwd=REPO,
        env=env_free,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 skipped" in result.stdout
    assert "caller.brain: llm needs OPENAI_API_KEY (or OPENAI_BASE_URL)" in result.stdout


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


@pytest.mark.slow
@pytest.mark.e2e
def test_all_files_run_in_one_crosstalk_run_and_a_bad_one_fails_alone(tmp_path):
    folder = tmp_path / "scenarios"
    folder.mkdir()
    persona = REPO / "tests" / "fixtures" / "personas" / "short_caller.yaml"
    for name in ("first", "second"):
        (folder / f"{name}.yaml").write_text(
            f"name: {name}\npersona: {persona}\n"
            "agent: {factory: 'tests.fixtures.tiny_agent:create_agent'}\nmax_duration_s: 60\n"
            "success: {checks: [{must_say: {pattern: '(?i)help', speaker: agent}}]}\n"
        )
    (folder / "third.yaml").write_text("name: third\npersona: nobody_by_this_name\n")
    result = _pytest(
        "--crosstalk", "scenarios/", "--crosstalk-out", "out", "-q", "-rA", cwd=tmp_path
    )
    assert "1 failed, 2 passed" in result.stdout, result.stdout + result.stderr
    assert "nobody_by_this_name" in result.stdout
    assert len(list((tmp_path / "out").iterdir())) == 1  # one run: the models loaded once


def test_the_plugin_imports_nothing_heavy():
    probe = (
        "import sys, crosstalk_harness.pytest_plugin as plugin\n"
        "heavy = [m for m in ('yaml', 'livekit', 'pydantic', 'numpy', 'crosstalk_harness.config')"
        " if m in sys.modules]\n"
        "print(heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
