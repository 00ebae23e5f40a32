"""Every subcommand's --help says what it does and which exit codes it returns; the nested
commands (`new persona`, `judge calibrate`) have their own help."""

from __future__ import annotations

import pytest

from .conftest import run_crosstalk

COMMANDS = [
    ["run"],
    ["sweep"],
    ["validate"],
    ["report"],
    ["compare"],
    ["review"],
    ["analyze"],
    ["new"],
    ["new", "persona"],
    ["new", "scenario"],
    ["schema"],
    ["judge"],
    ["judge", "calibrate"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_lists_exit_codes_without_format_leftovers(command):
    result = run_crosstalk(*command, "--help")
    assert result.exit_code == 0, result.stderr
    assert "exit codes:" in result.stdout
    assert "  0  " in result.stdout.split("exit codes:")[1]
    assert "%%" not in result.stdout and "%(" not in result.stdout


def test_nested_commands_have_their_own_help():
    new = run_crosstalk("new", "--help").stdout
    persona = run_crosstalk("new", "persona", "--help").stdout
    scenario = run_crosstalk("new", "scenario", "--help").stdout
    assert len({new, persona, scenario}) == 3
    assert "usage: crosstalk new persona" in persona and "personas/NAME.yaml" in persona
    calibrate = run_crosstalk("judge", "calibrate", "--help").stdout
    assert calibrate != run_crosstalk("judge", "--help").stdout
    assert "usage: crosstalk judge calibrate" in calibrate and "kappa" in calibrate


def test_compare_help_names_its_tolerance_flags():
    text = run_crosstalk("compare", "--help").stdout
    for flag in ("--latency-tolerance-ms", "--score-tolerance", "--pass-rate-tolerance"):
        assert flag in text
    assert "--allow-missing" in text and "95% bootstrap" in " ".join(text.split())


@pytest.mark.parametrize(
    "command", [["validate"], ["analyze"], ["compare"], ["judge"], ["run"], ["report"]]
)
def test_commands_whose_output_is_data_offer_json(command):
    assert "--json" in run_crosstalk(*command, "--help").stdout


def test_validate_json_lists_errors_with_their_place(tmp_path):
    bad = tmp_path / "p.yaml"
    (tmp_path / "personas").mkdir()
    bad = tmp_path / "personas" / "p.yaml"
    bad.write_text("name: p\ngoal: g\ncolour: blue\n")
    result = run_crosstalk("validate", str(bad), "--json")
    assert result.exit_code == 2
    assert result.json() == {
        "valid": False,
        "files": 1,
        "errors": [{"where": f"{bad}:3:1", "message": "colour: unknown key"}],
        "warnings": [],
    }
