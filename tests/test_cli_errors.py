"""Bad input through the real command: one clear line, exit code 2, no traceback, no call placed."""

from __future__ import annotations

from pathlib import Path

from .conftest import FIXTURES, REPO


def _assert_user_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.stderr
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(error_lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_missing_scenario_file(crosstalk, tmp_path):
    result = crosstalk("run", "scenarios/no_such_scenario.yaml", "--out", str(tmp_path))
    _assert_user_error(result, "scenarios/no_such_scenario.yaml: no such file")
    assert not any(tmp_path.iterdir())


def test_malformed_yaml_names_file_and_line(crosstalk, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\npersona: order_status_caller\nagent: {factory: x\n")
    result = crosstalk("run", str(bad), "--out", str(tmp_path / "out"))
    _assert_user_error(result, f"{bad}:", "invalid YAML")


def _demo_persona_scenario(folder: Path, rest: str) -> Path:
    """A scenario for the shipped demo persona, with `rest` appended (YAML from line 3 on)."""
    scenario = folder / "s.yaml"
    scenario.write_text(
        f"name: s\npersona: {REPO / 'personas' / 'order_status_caller.yaml'}\n{rest}"
    )
    return scenario


def test_unknown_agent_import_path_is_caught_before_any_call(crosstalk, tmp_path):
    scenario = _demo_persona_scenario(tmp_path, "agent:\n  factory: no_such_package.agents:build\n")
    result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"))
    _assert_user_error(result, f"{scenario}:4:3: agent.factory", "no_such_package.agents")
    assert not (tmp_path / "out").exists()


def test_validate_lists_errors_of_every_file(crosstalk, tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(f"name: {name}\npersona: nobody\n")
    result = crosstalk("validate", str(tmp_path))
    assert result.exit_code == 2
    assert str(tmp_path / "a.yaml") in result.stderr and str(tmp_path / "b.yaml") in result.stderr


def test_shipped_scenarios_and_fixtures_validate(crosstalk):
    shipped = ["personas", "scenarios", "scenarios/suites", "scenarios/llm", "judges"]
    folders = [REPO / name for name in shipped] + [FIXTURES / "scenarios", FIXTURES / "personas"]
    result = crosstalk("validate", *map(str, folders))
    assert result.exit_code == 0, result.stderr
    count = sum(len(list(folder.glob("*.yaml"))) for folder in folders)
    assert f"ok: {count} file(s) valid" in result.stdout


def test_openai_backend_without_a_key_says_which_variable(crosstalk, tmp_path):
    scenario = _demo_persona_scenario(
        tmp_path, "agent:\n  backend: openai\ncaller:\n  backend: openai\n"
    )
    result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"))
    _assert_user_error(result, "OPENAI_API_KEY")


def test_every_subcommand_has_help(crosstalk):
    for command in ([], ["run"], ["validate"]):
        result = crosstalk(*command, "--help")
        assert result.exit_code == 0 and "usage: crosstalk" in result.stdout
    assert "exit codes" in crosstalk("run", "--help").stdout


def test_python_dash_m_and_console_script_are_the_same_command():
    import shutil
    import subprocess
    import sys

    script = shutil.which("crosstalk") or str(Path(sys.executable).parent / "crosstalk")
    completed = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0 and completed.stdout.startswith("crosstalk ")


def test_unknown_tts_voice_names_the_side_and_field(crosstalk, tmp_path):
    voice = "{engine: espeak, espeak: no-such-voice}"
    scenario = _demo_persona_scenario(tmp_path, f"agent:\n  voice: {voice}\n")
    result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"))
    _assert_user_error(
        result, f"{scenario}:3:1: agent.voice.espeak: espeak-ng has no voice named 'no-such-voice'"
    )
