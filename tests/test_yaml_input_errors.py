"""YAML that parses but cannot be built, and session files of the wrong shape, are the user's
input: through the real command, exit 2 with the file and line, never "a crosstalk bug"."""

from __future__ import annotations

import json
from pathlib import Path

from crosstalk_harness.testing.judging_sessions import session_document, write_session

from .conftest import REPO, run_crosstalk

PERSONA = REPO / "personas" / "order_status_caller.yaml"


def _assert_input_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr and "crosstalk bug" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def _validate(tmp_path: Path, text: bytes):
    scenario = tmp_path / "s.yaml"
    scenario.write_bytes(text)
    return scenario, run_crosstalk("validate", str(scenario))


def test_an_unknown_tag_is_an_input_error_at_its_line(tmp_path):
    scenario, result = _validate(tmp_path, b"name: s\npersona: !foo p1\n")
    _assert_input_error(result, f"{scenario}:2:10: unknown YAML tag '!foo'")


def test_an_unknown_tag_on_a_mapping_is_an_input_error(tmp_path):
    scenario, result = _validate(tmp_path, f"name: s\npersona: {PERSONA}\nlink: !x {{}}\n".encode())
    _assert_input_error(result, f"{scenario}:3:7: unknown YAML tag '!x'")


def test_an_impossible_date_is_an_input_error_at_its_line(tmp_path):
    text = f"name: s\ndescription: 2024-02-30\npersona: {PERSONA}\n".encode()
    scenario, result = _validate(tmp_path, text)
    _assert_input_error(result, f"{scenario}:2:14: '2024-02-30' cannot be read", "quote the value")


def test_a_merge_key_is_an_input_error_at_its_line(tmp_path):
    scenario, result = _validate(tmp_path, f"name: s\n<<: {{persona: {PERSONA}}}\n".encode())
    _assert_input_error(result, f"{scenario}:2:1: merge keys (`<<`) are not supported")


def test_a_nul_character_is_an_input_error_at_its_line(tmp_path):
    scenario, result = _validate(tmp_path, b"name: s\ndescription: a\x00b\n")
    _assert_input_error(result, f"{scenario}:2:15: the file holds a control character (U+0000)")


def test_another_control_character_is_an_input_error_at_its_line(tmp_path):
    scenario, result = _validate(tmp_path, b'name: s\ndescription: "a\x01b"\n')
    _assert_input_error(result, f"{scenario}:2:16: the file holds a control character (U+0001)")


def test_judge_on_a_session_json_that_is_not_json_is_an_input_error(tmp_path):
    session = write_session(tmp_path / "01-order")
    (session / "session.json").write_text("{not json")
    result = run_crosstalk("judge", str(session))
    _assert_input_error(result, f"{session / 'session.json'}: invalid JSON at line 1")


def test_judge_on_a_session_json_of_the_wrong_shape_is_an_input_error(tmp_path):
    session = write_session(tmp_path / "01-order")
    for document, says in (
        ({"scenario": 5}, "scenario: expected an object"),
        ({"scenario": {"success": 5}}, "success: Input should be a valid dictionary"),
        ({**session_document(), "scenario_file": 7}, "scenario_file: expected a path"),
    ):
        (session / "session.json").write_text(json.dumps(document))
        _assert_input_error(run_crosstalk("judge", str(session)), f"session.json: {says}")
