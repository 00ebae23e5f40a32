"""Help for YAML authors: starting files that validate, and schemas that stay in step."""

from __future__ import annotations

import json

from crosstalk_harness.config import load_scenario
from crosstalk_harness.config.authoring import field_reference, json_schemas

from .conftest import REPO


def test_new_persona_and_scenario_validate_as_written(crosstalk, tmp_path):
    for kind, name in (("persona", "jo"), ("scenario", "first_call")):
        result = crosstalk("new", kind, name, "--root", str(tmp_path))
        assert result.exit_code == 0, result.stderr
    loaded = load_scenario(tmp_path / "scenarios" / "first_call.yaml")
    assert loaded.persona.name == "jo"
    assert loaded.persona.goal_reached_when  # the goal is judged, not "the script ran out"
    # budgets with a margin over what the offline reference agent measures (p95 ~3 s)
    assert loaded.scenario.budgets.limits() == {
        "greeting_latency_ms": 2000,
        "response_latency_p95_ms": 5000,
    }
    checks = [name for name, _ in loaded.scenario.success.check_calls()]
    assert checks == ["goal_achieved", "tool_called"]  # an outcome check, not only words
    result = crosstalk("validate", str(tmp_path / "personas"), str(tmp_path / "scenarios"))
    assert result.exit_code == 0 and "ok: 2 file(s) valid" in result.stdout


def test_new_scenario_names_the_persona_asked_for(crosstalk, tmp_path):
    for name in ("ann", "zed"):
        assert crosstalk("new", "persona", name, "--root", str(tmp_path)).exit_code == 0
    several = crosstalk("new", "scenario", "s1", "--root", str(tmp_path))
    assert several.exit_code == 2 and "name the caller with --persona" in several.stderr
    assert "one of: ann, zed" in several.stderr
    made = crosstalk("new", "scenario", "s1", "--persona", "zed", "--root", str(tmp_path))
    assert made.exit_code == 0, made.stderr
    assert load_scenario(tmp_path / "scenarios" / "s1.yaml").persona.name == "zed"
    unknown = crosstalk("new", "scenario", "s2", "--persona", "bob", "--root", str(tmp_path))
    assert unknown.exit_code == 2 and "no personas/bob.yaml" in unknown.stderr


def test_new_never_overwrites(crosstalk, tmp_path):
    assert crosstalk("new", "persona", "jo", "--root", str(tmp_path)).exit_code == 0
    again = crosstalk("new", "persona", "jo", "--root", str(tmp_path))
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_shipped_schemas_match_the_models():
    for filename, schema in json_schemas().items():
        shipped = json.loads((REPO / "schemas" / filename).read_text())
        assert shipped == schema, f"schemas/{filename} is stale: run `crosstalk schema`"


def test_shipped_field_reference_matches_the_models():
    shipped = (REPO / "docs" / "authoring.md").read_text()
    assert shipped == field_reference(), "docs/authoring.md is stale: run `crosstalk schema`"
    assert "| `turn_taking.backchannels` |" in shipped or "turn_taking.backchannels." in shipped
    assert "| `caller.brain` |" in shipped


def test_schemas_reject_unknown_keys_and_know_the_fields():
    schemas = json_schemas()
    scenario, persona = schemas["scenario.schema.json"], schemas["persona.schema.json"]
    assert scenario["additionalProperties"] is False and persona["additionalProperties"] is False
    assert {"persona", "agent", "link", "budgets"} <= set(scenario["properties"])
    assert set(persona["required"]) == {"name", "goal"}
    assert set(schemas["suite.schema.json"]["required"]) == {"suite", "scenarios"}
