"""Help for people writing YAML: JSON Schemas for editors, and commented starting files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
from .load import parse_model
from .models import Persona, Scenario, Suite

SCHEMA_FILES: dict[str, type[Persona] | type[Scenario] | type[Suite]] = {
    "persona.schema.json": Persona,
    "scenario.schema.json": Scenario,
    "suite.schema.json": Suite,
}

PERSONA_TEMPLATE = """\
# A persona: who calls and what they say. Check it with `crosstalk validate`.
name: {name}
description: Who this caller is, in a sentence.
goal: What they want from the call, in their own words.
voice:
  espeak: en-us            # offline voice (espeak-ng): en-us, en-gb-x-rp, en-029, ...
  words_per_minute: 165
  pitch: 50                # 0-99
  openai: alloy            # voice when the caller runs on backend: openai
facts: {{order number: "42791"}}  # told only when asked (llm caller)
goal_reached_when: "(?i)shipped|arrive|deliver"  # regex on what the agent said: goal met
speech:
  filler_rate: 0.0         # chance a line starts with "um"/"uh" (fillers: [...])
  hesitation_rate: 0.0     # chance of a mid-sentence pause
turn_taking:
  reaction_s: 0.0          # extra thinking time before every reply
  # backchannels: {{phrases: [mm-hm, right], every_s: 3}}
  # barge_in: {{probability: 0.5, after_ms: 1500}}
script:                    # the scripted caller says one line per agent turn, in order
  - Hello, I am calling about my order.
  - say: It is order 42791.
    when: "order number"   # only if the agent's last turn matches (regex), else skipped
  #   stall_s: 3            # silence before answering
  #   interrupt: {{after_ms: 1200}}   # say it over the agent's next turn instead
  - Thank you, goodbye.
"""

SCENARIO_TEMPLATE = """\
# A scenario: one call to place. Run it with `crosstalk run {path}`.
name: {name}
description: What this call tests.
persona: {persona}         # a file in personas/ (without .yaml), or a path to one
agent:
  factory: crosstalk_agent:create_agent   # or your own `package.module:function`
  backend: offline         # offline | openai
  options: {{}}              # keyword arguments for the factory
caller:
  backend: offline
opening: agent             # who speaks first: agent | caller
max_duration_s: 90
link:
  sample_rate: 16000
  one_way_latency_ms: 0
  impairments:
    caller_to_agent: []    # e.g. [{{type: noise, kind: pink, snr_db: 20}}, {{type: telephone}}]
    agent_to_caller: []
budgets:                   # limits on what the caller heard, in ms (docs/metrics.md); the
  greeting_latency_ms: 2000  # offline reference agent measures ~0.5 s and a p95 of ~3 s (its
  response_latency_p95_ms: 5000  # turn detector waits), so these leave a margin
success:                   # judged after the call: passed only if all of it was judged and held
  checks:
    - goal_achieved        # {goal_note}
    # the outcome, not only the words: what the agent did (its tools) or wrote (db_state)
    - tool_called: {{name: lookup_order, arguments: {{order_id: "42791"}}}}
    # - db_state: {{query: "SELECT address FROM orders WHERE id = '42791'", expect_value: "..."}}
  # rubrics: [task_completion]   # LLM-judged; with no judge model the session is inconclusive
seed: 0
"""


def _constraints(field: dict[str, Any]) -> str:
    options = field.get("anyOf", [field])
    found = []
    for option in options:
        if "enum" in option or "const" in option:
            values = option.get("enum", [option.get("const")])
            found.append("one of " + ", ".join(f"`{value}`" for value in values))
        low = option.get("minimum", option.get("exclusiveMinimum"))
        high = option.get("maximum", option.get("exclusiveMaximum"))
        if low is not None or high is not None:
            low_text = "-inf" if low is None else low
            found.append(f"from {low_text} to {'inf' if high is None else high}")
        if "pattern" in option:
            found.append(f"matches `{option['pattern']}`")
    return "; ".join(found)


def _field_rows(schema: dict[str, Any], definitions: dict[str, Any], prefix: str) -> list[str]:
    rows = []
    for name, field in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        target = field
        for option in field.get("anyOf", [field]):
            if "$ref" in option:
                target = option
        if "$ref" in target:
            nested = definitions[target["$ref"].rsplit("/", 1)[-1]]
            if "properties" in nested:
                rows.extend(_field_rows(nested, definitions, f"{path}."))
                continue
        described = field.get("description", "")
        constraints = _constraints(field)
        meaning = "; ".join(part for part in (described, constraints) if part)
        if "default" in field:
            default_text = f"`{json.dumps(field['default'])}`"
        elif name in schema.get("required", []):
            default_text = "**required**"
        else:
            default_text = "empty"
        rows.append(f"| `{path}` | {default_text} | {meaning.replace('|', '/')} |")
    return rows


def field_reference() -> str:
    """Markdown tables of every field of personas, scenarios and suites, from the models."""
    parts = [
        "# Authoring reference\n",
        "Generated from the models by `crosstalk schema` (do not edit by hand). Unknown keys are",
        "errors; list items (script lines, impairments) are described in the README.\n",
    ]
    for filename, schema in json_schemas().items():
        title = filename.split(".")[0]
        parts.append(f"\n## {title}\n\n{schema.get('description', '')}\n")
        parts.append("| field | default | meaning |\n|---|---|---|")
        parts.extend(_field_rows(schema, schema.get("$defs", {}), ""))
    return "\n".join(parts) + "\n"


def json_schemas() -> dict[str, dict[str, Any]]:
    return {filename: model.model_json_schema() for filename, model in SCHEMA_FILES.items()}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, schema in json_schemas().items():
        path = folder / filename
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    reference = folder.parent / "docs" / "authoring.md"
    if reference.parent.is_dir():
        reference.write_text(field_reference(), encoding="utf-8")
        written.append(reference)
    return written


def _persona_for(root: Path, named: str | None) -> str:
    """The persona a new scenario names: the one asked for, or the only one there is."""
    known = sorted(p.stem for p in (root / "personas").glob("*.yaml"))
    if named is not None:
        if named not in known:
            raise ConfigError(
                f"--persona {named}: no personas/{named}.yaml in {root}",
                hint=f"create it with `crosstalk new persona {named}`"
                + (f", or use one of: {', '.join(known)}" if known else ""),
            )
        return named
    if len(known) > 1:
        raise ConfigError(
            f"{root / 'personas'}: {len(known)} personas; name the caller with --persona",
            hint=f"one of: {', '.join(known)}",
        )
    return known[0] if known else "my_persona"


def _goal_note(root: Path, persona: str) -> str:
    path = root / "personas" / f"{persona}.yaml"
    try:
        has_goal_pattern = parse_model(Persona, path).goal_reached_when is not None
    except ConfigError:
        has_goal_pattern = True  # not there yet (or broken): validate will say so
    if has_goal_pattern:
        return "the persona's goal_reached_when matched what the agent said"
    return f"{persona} has no goal_reached_when: add one, or this only means its script ran out"


def new_file(
    kind: Literal["persona", "scenario"], name: str, root: Path, persona: str | None = None
) -> Path:
    """Write a commented starting file; never overwrites."""
    folder = root / ("personas" if kind == "persona" else "scenarios")
    path = folder / f"{name}.yaml"
    if path.exists():
        raise ConfigError(f"{path}: already exists", hint="choose another name, or edit that file")
    if kind == "persona":
        text = PERSONA_TEMPLATE.format(name=name)
    else:
        chosen = _persona_for(root, persona)
        text = SCENARIO_TEMPLATE.format(
            name=name, path=path, persona=chosen, goal_note=_goal_note(root, chosen)
        )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
