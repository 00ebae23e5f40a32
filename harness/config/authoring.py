"""Help for people writing YAML: JSON Schemas for editors, and commented starting files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
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
  engine: piper            # offline speech: piper (neural) or espeak (espeak-ng)
  piper: en_US-joe-medium  # Piper voice: a shipped voice's name or an .onnx file
  espeak: en-us            # espeak-ng voice: en-us, en-gb-x-rp, en-029, ...
  words_per_minute: 165
  pitch: 50                # 0-99, 50 is the voice's own (piper: 10 is a semitone)
  openai: alloy            # voice when the caller runs on backend: openai
facts: {{}}                  # e.g. {{order number: "42791"}}: told only when asked (llm caller)
goal_reached_when: null    # regex on what the agent said that means the goal was met
speech:
  filler_rate: 0.0         # chance a line starts with "um"/"uh" (fillers: [...])
  hesitation_rate: 0.0     # chance of a mid-sentence pause
turn_taking:
  reaction_s: 0.0          # extra thinking time before every reply
  # backchannels: {{phrases: [mm-hm, right], every_s: 3}}
  # barge_in: {{probability: 0.5, after_ms: 1500}}
script:                    # the scripted caller says one line per agent turn, in order
  - Hello, I am calling about my order.
  # - say: It is order 42791.
  #   when: "order number"  # only if the agent's last turn matches (regex), else skipped
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
budgets:                   # limits on what the caller heard, in ms (docs/metrics.md)
  response_latency_p95_ms: 3000
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


def new_file(kind: Literal["persona", "scenario"], name: str, root: Path) -> Path:
    """Write a commented starting file; never overwrites."""
    folder = root / ("personas" if kind == "persona" else "scenarios")
    path = folder / f"{name}.yaml"
    if path.exists():
        raise ConfigError(f"{path}: already exists", hint="choose another name, or edit that file")
    if kind == "persona":
        text = PERSONA_TEMPLATE.format(name=name)
    else:
        personas = sorted(p.stem for p in (root / "personas").glob("*.yaml"))
        text = SCENARIO_TEMPLATE.format(
            name=name, path=path, persona=personas[0] if personas else "my_persona"
        )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
