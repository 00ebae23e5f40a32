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


def test_scenario_schema_enumerates_checks_with_typed_arguments_and_defaults():
    scenario = json_schemas()["scenario.schema.json"]
    items = scenario["$defs"]["SuccessConfig"]["properties"]["checks"]["items"]["anyOf"]
    by_name = {next(iter(item["properties"])): item for item in items if "properties" in item}
    assert {"must_say", "tool_called", "db_state", "goal_achieved"} <= set(by_name)
    must_say = by_name["must_say"]["properties"]["must_say"]
    assert must_say["required"] == ["pattern"] and must_say["additionalProperties"] is False
    assert must_say["properties"]["ignore_case"] == {
        "default": True,
        "description": "match regardless of upper or lower case",
        "title": "Ignore Case",
        "type": "boolean",
    }
    assert must_say["properties"]["speaker"]["enum"] == ["agent", "caller", "any"]
    assert "matching `pattern`" in by_name["must_say"]["description"]
    alone = next(item for item in items if "enum" in item)["enum"]
    assert "goal_achieved" in alone and "must_say" not in alone


def test_field_reference_documents_every_check_from_the_registry():
    from crosstalk_harness.judging.check_names import builtin_checks

    reference = field_reference()
    for name, definition in builtin_checks().items():
        assert f"### `{name}`\n\n{definition.description}" in reference
    assert "| `ignore_case` | `true` | match regardless of upper or lower case |" in reference


def test_schema_writes_only_the_schemas_unless_docs_are_asked_for(crosstalk, tmp_path):
    (tmp_path / "docs").mkdir()
    mine = tmp_path / "docs" / "authoring.md"
    mine.write_text("# How we write scenarios at Acme\n")
    result = crosstalk("schema", "--out", str(tmp_path / "schemas"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "schemas").iterdir()) == [
        "persona.schema.json",
        "scenario.schema.json",
        "suite.schema.json",
    ]
    assert mine.read_text() == "# How we write scenarios at Acme\n"
    refused = crosstalk("schema", "--out", str(tmp_path / "schemas"), "--docs", str(mine))
    assert refused.exit_code == 2 and "was not written by `crosstalk schema`" in refused.stderr
    assert mine.read_text() == "# How we write scenarios at Acme\n"
    ours = tmp_path / "reference.md"
    assert crosstalk("schema", "--out", str(tmp_path / "s"), "--docs", str(ours)).exit_code == 0
    assert ours.read_text() == field_reference()
    again = crosstalk("schema", "--out", str(tmp_path / "s"), "--docs", str(ours))
    assert again.exit_code == 0, "our own generated file is refreshed"
