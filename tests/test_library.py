"""The built-in library: rubrics, personas and scenarios usable by name from any folder, a
project's own files overriding them, `crosstalk list`, and paths relative to the naming file."""

from __future__ import annotations

import json
import shutil

from crosstalk_harness.library import find, library_root

from .conftest import REPO, run_crosstalk

SCENARIO = """\
name: mine
persona: order_status_caller
agent: {factory: "crosstalk_agent:create_agent"}
success:
  checks: [goal_achieved]
  rubrics: [task_completion]
"""


def test_the_library_is_found_in_the_checkout_with_all_three_folders():
    root = library_root()
    assert (root / "judges" / "task_completion.yaml").is_file()
    assert (root / "personas" / "order_status_caller.yaml").is_file()
    assert (root / "scenarios" / "suites" / "smoke.yaml").is_file()


def test_built_in_names_resolve_from_an_unrelated_folder(tmp_path):
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "mine.yaml").write_text(SCENARIO)
    result = run_crosstalk("validate", "scenarios/mine.yaml", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    by_name = run_crosstalk("validate", "smoke", "demo_order_status", cwd=tmp_path)
    assert by_name.exit_code == 0, by_name.stderr
    assert "ok: 2 file(s) valid" in by_name.stdout


def test_a_project_persona_overrides_the_built_in_one_and_list_says_so(tmp_path):
    (tmp_path / "personas").mkdir()
    mine = tmp_path / "personas" / "order_status_caller.yaml"
    shutil.copy(REPO / "personas" / "order_status_caller.yaml", mine)
    assert find("persona", "order_status_caller", tmp_path / "scenarios" / "x.yaml") == mine
    listed = run_crosstalk("list", "persona", "--json", cwd=tmp_path).json()["entries"]
    row = next(entry for entry in listed if entry["name"] == "order_status_caller")
    assert row["origin"] == "project"
    assert row["path"] == str(mine)
    assert row["overrides"] == str(library_root() / "personas" / "order_status_caller.yaml")
    rubric = next(
        entry
        for entry in run_crosstalk("list", "--json", cwd=tmp_path).json()["entries"]
        if entry["name"] == "task_completion"
    )
    assert (rubric["kind"], rubric["origin"]) == ("rubric", "built-in")


def test_list_shows_suites_apart_from_scenarios(tmp_path):
    result = run_crosstalk("list", "suite", cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("suites:")
    assert "smoke" in result.stdout and "demo_order_status" not in result.stdout


def test_a_suite_validates_by_absolute_path_from_another_folder(tmp_path):
    result = run_crosstalk(
        "validate", str(REPO / "scenarios" / "suites" / "smoke.yaml"), cwd=tmp_path
    )
    assert result.exit_code == 0, result.stderr


def test_a_scenario_validates_from_inside_scenarios(tmp_path):
    project = tmp_path / "project"
    (project / "scenarios").mkdir(parents=True)
    (project / "judges").mkdir()
    shutil.copy(REPO / "judges" / "task_completion.yaml", project / "judges" / "my_rubric.yaml")
    text = SCENARIO.replace("[task_completion]", "[my_rubric, ../judges/my_rubric.yaml]")
    (project / "scenarios" / "mine.yaml").write_text(text)
    result = run_crosstalk("validate", "mine.yaml", cwd=project / "scenarios")
    assert result.exit_code == 0, result.stderr


def test_an_unknown_rubric_message_does_not_contradict_itself(tmp_path):
    (tmp_path / "s.yaml").write_text(SCENARIO.replace("task_completion", "task_complete"))
    result = run_crosstalk("validate", "s.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no rubric 'task_complete' (did you mean 'task_completion'?)" in result.stderr
    assert "found" not in result.stderr


def test_judge_from_another_folder_reports_an_unresolvable_rubric_in_one_line(tmp_path):
    from crosstalk_harness.testing.judging_sessions import write_session

    directory = write_session(tmp_path / "run" / "s1")
    success = {"rubrics": ["house_rubric"], "checks": []}
    session = {"scenario_file": "scenarios/mine.yaml", "scenario": {"success": success}}
    (directory / "session.json").write_text(json.dumps(session))
    result = run_crosstalk("judge", str(directory), cwd=tmp_path)
    assert result.exit_code == 2
    assert "session.json: success.rubrics.0: no rubric 'house_rubric'" in result.stderr
    assert "validation error" not in result.stderr and "pydantic" not in result.stderr
