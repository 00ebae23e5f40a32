"""Suites: a matrix of scenarios x personas x channels, repeats with their own seeds, and tags."""

from __future__ import annotations

from pathlib import Path

import pytest
from crosstalk_harness.config.models import LossImpairment, NoiseImpairment, TelephoneImpairment
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.runner import plan_sessions

from .conftest import run_crosstalk

PERSONA = "name: {name}\ngoal: ask about an order\nscript:\n  - hello\n"
NOISY_CHANNEL = "channel:\n  caller_to_agent:\n    - {type: loss, percent: 2}\n"
SCENARIO = "name: {name}\npersona: calm\nseed: 10\ntags: [{tag}]\n"
SUITE = """suite: nightly
scenarios: [scenarios/*.yaml]
tags: [nightly]
repeats: 2
matrix:
  personas: [calm, noisy]
  channels:
    clean: {}
    phone:
      caller_to_agent: [{type: telephone}]
      agent_to_caller: [{type: telephone}]
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "personas").mkdir()
    (tmp_path / "personas" / "calm.yaml").write_text(PERSONA.format(name="calm"))
    (tmp_path / "personas" / "noisy.yaml").write_text(PERSONA.format(name="noisy") + NOISY_CHANNEL)
    (tmp_path / "scenarios").mkdir()
    for name, tag in (("order", "smoke"), ("returns", "slow")):
        (tmp_path / "scenarios" / f"{name}.yaml").write_text(SCENARIO.format(name=name, tag=tag))
    (tmp_path / "suites").mkdir()
    (tmp_path / "suites" / "nightly.yaml").write_text(SUITE.replace("scenarios/", "../scenarios/"))
    return tmp_path


def test_suite_expands_scenarios_by_personas_by_channels_by_repeats(project):
    plans = plan_sessions([project / "suites" / "nightly.yaml"])
    assert len(plans) == 2 * 2 * 2 * 2
    labels = [plan.label for plan in plans]
    assert len(set(labels)) == len(labels)
    assert labels[:4] == [
        "order-calm-clean-r1",
        "order-calm-clean-r2",
        "order-calm-phone-r1",
        "order-calm-phone-r2",
    ]
    assert {plan.loaded.persona.name for plan in plans} == {"calm", "noisy"}
    assert [plan.loaded.scenario.seed for plan in plans[:2]] == [10, 11]
    assert all(plan.suite == "nightly" and plan.repeats == 2 for plan in plans)
    assert set(plans[0].tags) == {"smoke", "nightly"}


def test_channels_add_the_matrix_cell_and_the_personas_own_line(project):
    plans = {plan.label: plan for plan in plan_sessions([project / "suites" / "nightly.yaml"])}
    calm_phone = plans["order-calm-phone-r1"].loaded.scenario.link.impairments
    assert [type(i) for i in calm_phone.caller_to_agent] == [TelephoneImpairment]
    assert [type(i) for i in calm_phone.agent_to_caller] == [TelephoneImpairment]
    noisy_phone = plans["order-noisy-phone-r1"].loaded.scenario.link.impairments
    assert [type(i) for i in noisy_phone.caller_to_agent] == [LossImpairment, TelephoneImpairment]
    assert plans["order-noisy-clean-r1"].loaded.scenario.link.impairments.agent_to_caller == []
    assert not any(isinstance(i, NoiseImpairment) for i in noisy_phone.caller_to_agent)


def test_tags_select_sessions(project):
    everything = plan_sessions([project / "scenarios"])
    assert [plan.label for plan in everything] == ["order", "returns"]
    assert [plan.label for plan in plan_sessions([project / "scenarios"], ["slow"])] == ["returns"]
    suite = plan_sessions([project / "suites" / "nightly.yaml"], ["smoke"])
    assert suite and all(plan.loaded.scenario.name == "order" for plan in suite)
    assert plan_sessions([project / "scenarios"], ["nope"]) == []


def test_a_matrix_persona_that_does_not_exist_is_reported_at_its_line(project):
    suite = project / "suites" / "nightly.yaml"
    suite.write_text(
        SUITE.replace("[calm, noisy]", "[calm, noisey]").replace("scenarios/", "../scenarios/")
    )
    with pytest.raises(ConfigError) as caught:
        plan_sessions([suite])
    assert f"{suite}:6:" in caught.value.message and "did you mean 'noisy'" in caught.value.message


def test_run_with_a_tag_nothing_has_is_a_clear_error(project):
    result = run_crosstalk(
        "run", str(project / "scenarios"), "--tag", "nope", "--out", str(project / "out")
    )
    assert result.exit_code == 2
    assert "no scenario has any of the tags nope" in result.stderr
    assert not (project / "out").exists()


def test_validate_checks_suites_with_their_scenarios(project):
    result = run_crosstalk("validate", str(project / "suites"), str(project / "personas"))
    assert result.exit_code == 0, result.stderr
    assert "ok: 3 file(s) valid" in result.stdout
