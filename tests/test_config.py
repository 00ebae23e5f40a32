"""Scenario and persona YAML: valid files load; each kind of mistake names file:line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
from crosstalk_harness.config import Persona, load_scenario
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.yaml_models import parse_model

from .conftest import REPO

PERSONA = """name: p1
goal: ask about an order
script:
  - hello
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_scenario(path)
    return caught.value.message


def test_shipped_demo_scenario_loads_with_its_persona():
    loaded = load_scenario(REPO / "scenarios" / "demo_order_status.yaml")
    assert loaded.persona.name == "order_status_caller"
    assert len(loaded.persona.script) >= 4
    assert loaded.scenario.agent.factory == "crosstalk_agent:create_agent"


@pytest.fixture
def project(tmp_path):
    _write(tmp_path, "personas/p1.yaml", PERSONA)
    return tmp_path


def test_misspelt_key_is_reported_with_line_and_a_suggestion(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: p1\nmax_duraton_s: 10\n")
    message = _error(path)
    assert f"{path}:3:1: max_duraton_s: unknown key (did you mean 'max_duration_s'?)" in message


def test_nested_wrong_type_names_the_field_path_and_what_was_found(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: p1\nlink:\n  sample_rate: fast\n")
    message = _error(path)
    assert f"{path}:4:3: link.sample_rate:" in message and "'fast'" in message


def test_yaml_syntax_error_names_the_line(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: [p1\nopening: agent\n")
    message = _error(path)
    assert message.startswith(f"{path}:") and "invalid YAML" in message


def test_duplicate_key_is_an_error_not_a_silent_override(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: p1\nname: t\n")
    assert f"{path}:3:1: name: duplicate key (first at line 1)" in _error(path)


def test_unknown_persona_reference_names_the_persona_field(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: nobody\n")
    message = _error(path)
    assert f"{path}:2:1: persona: no persona 'nobody'" in message


def test_missing_required_field_and_empty_file_are_reported(project):
    path = _write(project, "scenarios/s.yaml", "name: s\n")
    assert f"{path}:1:1: persona: Field required" in _error(path)
    empty = _write(project, "scenarios/empty.yaml", "")
    assert "the file is empty" in _error(empty)


def test_every_error_in_a_file_is_listed_not_only_the_first(project):
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: p1\nopening: nobody\nseed: x\n")
    message = _error(path)
    assert f"{path}:3:1: opening:" in message and f"{path}:4:1: seed:" in message


def test_persona_errors_name_the_persona_file(project):
    bad = _write(project, "personas/p2.yaml", "name: p2\ngoal: g\nscript: [{sya: hi}]\n")
    with pytest.raises(ConfigError) as caught:
        parse_model(Persona, bad)
    assert f"{bad}:3:11: script.0.sya: unknown key (did you mean 'say'?)" in caught.value.message


def test_a_scripted_caller_needs_lines_and_the_error_names_the_persona(project):
    persona = _write(project, "personas/p2.yaml", "name: p2\ngoal: g\nscript: []\n")
    scenario = _write(project, "scenarios/s.yaml", "name: s\npersona: p2\n")
    assert f"{persona}:3:1: script: the scripted caller needs at least one line" in _error(scenario)


def test_impairments_are_validated_per_type(project):
    path = _write(
        project,
        "scenarios/s.yaml",
        "name: s\npersona: p1\nlink:\n  impairments:\n    caller_to_agent:\n"
        "      - {type: noise, snr_db: 15}\n      - {type: loss, percent: 150}\n",
    )
    message = _error(path)
    assert f"{path}:7:9: link.impairments.caller_to_agent.1.loss.percent:" in message
    good = _write(
        project,
        "scenarios/good.yaml",
        "name: g\npersona: p1\nlink:\n  impairments:\n    agent_to_caller: [{type: telephone}]\n",
    )
    [telephone] = load_scenario(good).scenario.link.impairments.agent_to_caller
    assert telephone.type == "telephone"


def test_misspelt_persona_reference_suggests_the_persona_meant(project):
    _write(project, "personas/jordan_caller.yaml", PERSONA.replace("p1", "jordan_caller"))
    path = _write(project, "scenarios/s.yaml", "name: s\npersona: jordan_calller\n")
    expected = "persona: no persona 'jordan_calller' (did you mean 'jordan_caller'?)"
    assert f"{path}:2:1: {expected}" in _error(path)


def test_noise_kinds_and_jitter_are_validated_with_their_limits(project):
    path = _write(
        project,
        "scenarios/s.yaml",
        "name: s\npersona: p1\nlink:\n  impairments:\n    caller_to_agent:\n"
        "      - {type: noise, kind: traffic, snr_db: 15}\n"
        "      - {type: jitter, std_ms: 20, correlation: 1.5}\n",
    )
    message = _error(path)
    assert f"{path}:6:9: link.impairments.caller_to_agent.0.noise.kind:" in message
    assert "street" in message  # the allowed kinds are listed
    assert f"{path}:7:9: link.impairments.caller_to_agent.1.jitter.correlation:" in message
    good = _write(
        project,
        "scenarios/good.yaml",
        "name: g\npersona: p1\nlink:\n  impairments:\n    agent_to_caller:\n"
        "      - {type: noise, kind: babble, snr_db: 10}\n"
        "      - {type: jitter, std_ms: 20, buffer_ms: 60, extra_latency_ms: 80, late: conceal}\n",
    )
    noise, jitter = load_scenario(good).scenario.link.impairments.agent_to_caller
    assert (noise.kind, jitter.extra_latency_ms, jitter.late) == ("babble", 80, "conceal")


def test_the_agent_shorthand_names_the_factory_in_one_line(project):
    path = _write(project, "short.yaml", "name: s\npersona: p1\nagent: my_pkg.bot:make_agent\n")
    agent = load_scenario(path).scenario.agent
    assert (agent.factory, agent.backend, agent.options) == ("my_pkg.bot:make_agent", "offline", {})
    bad = _write(project, "bad.yaml", "name: s\npersona: p1\n\nagent: not an import path\n")
    assert _error(bad).startswith(f"{bad}:4:1: agent.factory: String should match pattern")
