"""A scenario's `success:` section and rubric files are validated with file:line errors, unknown
names get a "did you mean", and users add checks of their own in Python."""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path

import pytest
from crosstalk_harness.config import load_scenario
from crosstalk_harness.config.authoring import json_schemas
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.judging.judge import judge_session
from crosstalk_harness.judging.rubrics import Rubric, shipped_rubrics
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.testing.judging_sessions import write_session
from crosstalk_harness.yaml_models import parse_model

from .conftest import REPO, run_crosstalk

PERSONA = REPO / "personas" / "order_status_caller.yaml"


def _scenario(tmp_path: Path, success: str) -> Path:
    path = tmp_path / "scenarios" / "s.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = f"name: s\npersona: {PERSONA}\nsuccess:\n" + textwrap.indent(
        textwrap.dedent(success), "  "
    )
    path.write_text(text)
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    return caught.value.message


def test_a_valid_success_section_loads_and_normalises_checks(tmp_path):
    path = _scenario(
        tmp_path,
        """\
        checks:
          - must_say: {pattern: shipped}
          - goal_achieved
          - tool_called: {name: lookup_order, arguments: {order_id: "42791"}}
        rubrics: [task_completion, policy_adherence]
        judge: {model: gpt-4o-mini, samples: 3}
        """,
    )
    success = load_scenario(path).scenario.success
    assert [name for name, _ in success.check_calls()] == [
        "must_say",
        "goal_achieved",
        "tool_called",
    ]
    assert success.check_calls()[0][1]["speaker"] == "agent"  # the argument model's default
    assert success.rubrics == ["task_completion", "policy_adherence"]
    assert success.judge.samples == 3


def test_unknown_check_names_file_line_and_suggests(tmp_path):
    path = _scenario(tmp_path, "checks:\n  - must_sy: {pattern: x}\n")
    message = _error(path)
    assert (
        f"{path}:5:7: success.checks.0.must_sy: unknown check (did you mean 'must_say'?)" in message
    )


def test_bad_check_argument_points_at_its_line(tmp_path):
    path = _scenario(
        tmp_path,
        """\
        checks:
          - must_say: {pattern: ok}
          - max_turns:
              limit: -3
          - must_say: {patern: x}
          - must_not_say: {pattern: "(unclosed"}
        """,
    )
    message = _error(path)
    assert f"{path}:7:9: success.checks.1.max_turns.limit: Input should be greater" in message
    assert f"{path}:8:18: success.checks.2.must_say.patern: unknown argument (did you " in message
    assert "(did you mean 'pattern'?)" in message
    assert "success.checks.2.must_say.pattern: Field required" not in message  # no echo
    assert "success.checks.3.must_not_say.pattern: not a valid regular" in message
    assert len(message.splitlines()) == 3


def test_unknown_rubric_suggests_the_shipped_one(tmp_path):
    path = _scenario(tmp_path, "rubrics: [task_completion, empathy_tones]\n")
    assert (
        f"{path}:4:30: success.rubrics.1: no rubric 'empathy_tones' (did you mean 'empathy_tone'?)"
        in _error(path)
    )


def test_a_broken_rubric_file_is_reported_at_its_own_line(tmp_path):
    judges = tmp_path / "judges"
    judges.mkdir()
    (judges / "mine.yaml").write_text(
        "name: mine\ndescription: d\ncriteria:\n  - name: c\n    description: x\n"
        "    scale: 1-5\n    anchors: {1: bad, 5: good}\n"
    )
    path = _scenario(tmp_path, "rubrics: [mine]\n")
    message = _error(path)
    assert message.startswith(f"{judges / 'mine.yaml'}:4:5: criteria.0: the 1-5 scale")
    assert "missing ['2', '3', '4']" in message


def test_shipped_rubrics_are_valid_and_cover_the_issue():
    names = sorted(path.stem for path in shipped_rubrics().glob("*.yaml"))
    assert names == [
        "conversational_flow",
        "empathy_tone",
        "factual_accuracy",
        "policy_adherence",
        "task_completion",
        "tone_and_delivery",
        "turn_taking",
    ]
    for name in names:
        rubric = parse_model(Rubric, shipped_rubrics() / f"{name}.yaml")
        assert rubric.name == name and rubric.criteria
    assert parse_model(Rubric, shipped_rubrics() / "turn_taking.yaml").sees_probes
    hearing = [name for name in names if parse_model(Rubric, shipped_rubrics() / f"{name}.yaml")
               .hears_audio]  # fmt: skip
    assert hearing == ["tone_and_delivery"]


USER_CHECK = """
from crosstalk_harness.judging.registry import CheckArgs, CheckOutcome, check


class Politeness(CheckArgs):
    word: str = "please"


@check("says_word", Politeness)
def says_word(session, args):
    said = any(args.word in turn.text.lower() for turn in session.turns_of("agent"))
    return CheckOutcome(said, f"the agent {'said' if said else 'never said'} {args.word!r}")
"""


def test_users_add_checks_by_import_path(tmp_path, monkeypatch):
    (tmp_path / "my_checks.py").write_text(USER_CHECK)
    monkeypatch.chdir(tmp_path)
    path = _scenario(tmp_path, "checks:\n  - my_checks:says_word: {word: thanks}\n")
    success = load_scenario(path).scenario.success
    directory = write_session(tmp_path / "session")
    judgement = asyncio.run(judge_session(directory, success, JudgeSettings()))
    [verdict] = judgement.verdicts
    assert (verdict.judge, verdict.status) == ("says_word", "passed")

    bad = _scenario(tmp_path, "checks:\n  - my_checks:nope: {}\n")
    assert (
        "success.checks.0.my_checks:nope: 'my_checks:nope' is not a function decorated"
        in _error(bad)
    )
    bad_args = _scenario(tmp_path, "checks:\n  - my_checks:says_word: {wrd: x}\n")
    assert "unknown argument (did you mean 'word'?)" in _error(bad_args)


def test_validate_command_reports_success_errors_with_exit_2(tmp_path):
    path = _scenario(tmp_path, "checks:\n  - max_turn: {limit: 3}\n")
    result = run_crosstalk("validate", str(path))
    assert result.exit_code == 2
    assert "unknown check (did you mean 'max_turns'?)" in result.stderr
    assert "Traceback" not in result.stderr


def test_scenario_json_schema_describes_success():
    schema = json_schemas()["scenario.schema.json"]
    assert "success" in schema["properties"]
    assert json.dumps(schema)  # serialisable for editors
