"""Paths a file names are resolved beside that file and checked by `validate`, never silently
taken from the current directory."""

from __future__ import annotations

from .conftest import REPO, run_crosstalk

PERSONA = REPO / "personas" / "order_status_caller.yaml"


def test_validate_checks_the_replayed_agent_recording(tmp_path):
    (tmp_path / "caller.wav").write_bytes(b"RIFF")  # exists; its content is read at run time
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"name: s\npersona: {PERSONA}\ncaller:\n  brain: replay\n"
        "  replay: {source: caller.wav, agent: agent_side.wav}\n"
    )
    result = run_crosstalk("validate", str(scenario))
    assert result.exit_code == 2, result.stderr
    assert f"{scenario}:5:" in result.stderr
    says = f"caller.replay.agent: agent_side.wav does not exist (beside the scenario: {tmp_path}"
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def _project_and_elsewhere(tmp_path):
    """A scenario in project/, run from elsewhere/, which holds files of the names it uses."""
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    (elsewhere / "personas").mkdir(parents=True)
    (elsewhere / "judges").mkdir()
    project.mkdir()
    (elsewhere / "p.yaml").write_text(PERSONA.read_text())
    (elsewhere / "personas" / "only_here.yaml").write_text(PERSONA.read_text())
    rubric = (REPO / "judges" / "task_completion.yaml").read_text()
    (elsewhere / "r.yaml").write_text(rubric)
    return project, elsewhere


def test_a_persona_path_is_never_taken_from_the_current_directory(tmp_path):
    project, elsewhere = _project_and_elsewhere(tmp_path)
    scenario = project / "s.yaml"
    scenario.write_text("name: s\npersona: p.yaml\n")
    result = run_crosstalk("validate", str(scenario), cwd=elsewhere)
    assert result.exit_code == 2, result.stderr
    assert f"looked for {project / 'p.yaml'}" in result.stderr
    assert "p.yaml exists relative to the current directory" in result.stderr


def test_a_persona_name_is_never_taken_from_the_current_directory(tmp_path):
    project, elsewhere = _project_and_elsewhere(tmp_path)
    scenario = project / "s.yaml"
    scenario.write_text("name: s\npersona: only_here\n")
    result = run_crosstalk("validate", str(scenario), cwd=elsewhere)
    assert result.exit_code == 2, result.stderr
    assert "no persona 'only_here'" in result.stderr


def test_a_rubric_path_is_never_taken_from_the_current_directory(tmp_path):
    project, elsewhere = _project_and_elsewhere(tmp_path)
    scenario = project / "s.yaml"
    scenario.write_text(f"name: s\npersona: {PERSONA}\nsuccess: {{rubrics: [r.yaml]}}\n")
    result = run_crosstalk("validate", str(scenario), cwd=elsewhere)
    assert result.exit_code == 2, result.stderr
    assert f"looked for {project / 'r.yaml'}" in result.stderr
    assert "r.yaml exists relative to the current directory, not there" in result.stderr
