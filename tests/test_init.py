"""`crosstalk init` scaffolds a user's repository: files that validate, never overwritten, a
git-ignored reports/ folder, and a CI workflow that uploads the report and gates on the exit code.
The wheel test (test_wheel.py) runs the scaffold for real in a fresh virtualenv."""

from __future__ import annotations

import yaml
from crosstalk_harness.config.scaffold import WORKFLOW, install_spec

from .conftest import REPO, run_crosstalk


def test_init_writes_files_that_validate_and_call_the_given_factory(tmp_path):
    result = run_crosstalk("init", "--agent", "crosstalk_agent:create_agent", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    scenario = yaml.safe_load((tmp_path / "scenarios" / "first_call.yaml").read_text())
    assert scenario["agent"]["factory"] == "crosstalk_agent:create_agent"
    assert scenario["persona"] == "first_caller"
    assert (tmp_path / "tests" / "test_crosstalk.py").is_file()
    validated = run_crosstalk("validate", "scenarios/", "scenarios/suites/", cwd=tmp_path)
    assert validated.exit_code == 0, validated.stderr


def test_init_keeps_existing_files_and_ignores_reports_once(tmp_path):
    (tmp_path / ".gitignore").write_text("*.pyc\n")
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "theirs.yaml").write_text("name: theirs\n")  # a second persona
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_crosstalk.py").write_text("# mine\n")
    for _ in range(2):
        result = run_crosstalk("init", "--agent", "my_pkg.agent:build", cwd=tmp_path)
        assert result.exit_code == 0, result.stderr
    assert (tmp_path / "tests" / "test_crosstalk.py").read_text() == "# mine\n"
    assert "kept tests/test_crosstalk.py (exists)" in result.stdout
    assert "kept scenarios/first_call.yaml (exists)" in result.stdout
    assert "persona: first_caller" in (tmp_path / "scenarios" / "first_call.yaml").read_text()
    assert (tmp_path / ".gitignore").read_text().splitlines().count("reports/") == 1
    assert (tmp_path / ".gitignore").read_text().startswith("*.pyc\n")


def test_a_factory_that_is_no_import_path_is_a_one_line_error(tmp_path):
    result = run_crosstalk("init", "--agent", "my agent", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --agent 'my agent': not an import path")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "scenarios").exists()


def test_the_workflow_uploads_the_report_always_and_gates_on_the_exit_code(tmp_path):
    workflow = yaml.safe_load(WORKFLOW.format(install=install_spec()))
    steps = workflow["jobs"]["calls"]["steps"]
    names = [step.get("name", step.get("uses")) for step in steps]
    run_step = next(step for step in steps if step.get("id") == "crosstalk")
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload"))
    assert "set +e" in run_step["run"] and "exit_code=$?" in run_step["run"]
    assert upload["if"] == "always()" and upload["with"]["path"] == "reports/"
    assert names.index(upload["name"]) < len(steps) - 1
    assert steps[-1]["run"] == "exit ${{ steps.crosstalk.outputs.exit_code }}"
    install = next(step for step in steps if "pip install" in step.get("run", ""))["run"]
    assert "crosstalk-voice==" in install and "pip install -e .\n" not in install.split("fi")[-1]
    setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-py"))
    assert setup["with"]["cache-dependency-path"] == ".github/workflows/crosstalk.yml"


def test_the_example_workflow_is_the_one_init_writes():
    example = (REPO / "examples" / "github-actions.yml").read_text()
    assert example == WORKFLOW.format(install=install_spec())
