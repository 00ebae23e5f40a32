"""Help for people writing YAML: JSON Schemas for editors, and commented starting files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError
from ..judging.check_names import builtin_checks
from ..yaml_models import parse_model
from .models import Scenario, Suite
from .persona import Persona

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
facts: {{order number: "42791"}}  # told only when asked (llm caller)
goal_reached_when: "(?i)shipped|arrive|deliver"  # regex on what the agent said: goal met
speech:
  filler_rate: 0.0         # chance a line starts with "um"/"uh" (fillers: [...])
  hesitation_rate: 0.0     # chance of a mid-sentence pause (of pause_s)
  pause_s: 0.8             # a pause inside a line: "I'd like to... {{pause}} ...change it"
  # aside: {{level_db: -12, lowpass_hz: 1500, wait_s: 3}}  # how `aside: true` lines sound
turn_taking:
  reaction_s: 0.0          # extra thinking time before every reply
  hold_s: 3.0              # after "let me check", wait this long for the answer
  # backchannels: {{phrases: [mm-hm, right], every_s: 3}}
  # barge_in: {{probability: 0.5, after_ms: 1500}}
script:                    # the scripted caller says one line per agent turn, in order
  - Hello, I am calling about my order.
  - say: It is order 42791.
    when: "order number"   # only if the agent's last turn matches (regex), else skipped
  #   stall_s: 3            # silence before answering
  #   interrupt: {{after_ms: 1200}}   # say it over the agent's next turn instead
  # - {{say: "Tom, the door!", aside: true}}   # to someone in the room: not for the agent
  - Thank you, goodbye.
"""

SCENARIO_TEMPLATE = """\
# A scenario: one call to place. Run it with `crosstalk run {path}`.
name: {name}
description: What this call tests.
persona: {persona}         # a file in personas/ (without .yaml), or a path to one
agent:
  factory: {factory}   # `package.module:function` returning a livekit Agent
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


def _field_rows(
    schema: dict[str, Any],
    definitions: dict[str, Any],
    prefix: str,
    defaults: dict[str, Any] | None = None,
) -> list[str]:
    """One table row per leaf field; `defaults` are the enclosing field's own default values,
    which win over the nested model's (the agent's voice is not the caller's default voice)."""
    rows = []
    for name, field in schema.get("properties", {}).items():
        if defaults and name in defaults:
            field = {**field, "default": defaults[name]}
        path = f"{prefix}{name}"
        target = field
        for option in field.get("anyOf", [field]):
            if "$ref" in option:
                target = option
        if "$ref" in target:
            nested = definitions[target["$ref"].rsplit("/", 1)[-1]]
            if "properties" in nested:
                own = field.get("default") if isinstance(field.get("default"), dict) else None
                rows.extend(_field_rows(nested, definitions, f"{path}.", own))
                continue
        described = field.get("description", "")
        constraints = _constraints(field)
        meaning = "; ".join(part for part in (described, constraints) if part)
        if "default" in field and field["default"] not in ([], {}):
            default_text = f"`{json.dumps(field['default'])}`"
        elif name in schema.get("required", []):
            default_text = "**required**"
        else:
            default_text = "empty"
        rows.append(f"| `{path}` | {default_text} | {meaning.replace('|', '/')} |")
    return rows


REFERENCE_HEADER = "# Authoring reference\n"


def _checks_reference() -> list[str]:
    parts = [
        "\n## success.checks\n",
        "Each item of a scenario's `success.checks` is `- name: {arguments}`; a check whose",
        "arguments all have defaults may be named alone (`- goal_achieved`). Your own checks are",
        "named `package.module:function` (see `harness/judging/registry.py`). Every check also",
        "takes `description:`, what it expects in words; the report leads its reason with it.\n",
    ]
    for name, definition in sorted(builtin_checks().items()):
        schema = definition.arguments.model_json_schema()
        parts.append(f"\n### `{name}`\n\n{definition.description}\n")
        rows = [
            row
            for row in _field_rows(schema, schema.get("$defs", {}), "")
            if not row.startswith("| `description` |")
        ]
        if rows:
            parts.append("| argument | default | meaning |\n|---|---|---|")
            parts.extend(rows)
        else:
            parts.append("No arguments.")
    return parts


def field_reference() -> str:
    """Markdown tables of every field of personas, scenarios, suites and checks, from the models."""
    parts = [
        REFERENCE_HEADER,
        "Generated from the models by `crosstalk schema --docs` (do not edit by hand). Unknown",
        "keys are errors; list items (script lines, impairments) are described in the README.\n",
    ]
    for filename, schema in json_schemas().items():
        title = filename.split(".")[0]
        parts.append(f"\n## {title}\n\n{schema.get('description', '')}\n")
        parts.append("| field | default | meaning |\n|---|---|---|")
        parts.extend(_field_rows(schema, schema.get("$defs", {}), ""))
    parts.extend(_checks_reference())
    return "\n".join(parts) + "\n"


_OWN_CHECK = r"^[A-Za-z_][\\w.]*:[A-Za-z_]\\w*$"


def checks_schema() -> dict[str, Any]:
    """One `success.checks` item: a check name (if it needs no arguments) or `{name: {args}}`."""
    alone = []
    with_arguments = []
    for name, definition in sorted(builtin_checks().items()):
        arguments = definition.arguments.model_json_schema()
        arguments.pop("title", None)
        if not arguments.get("required"):
            alone.append(name)
            arguments = {"anyOf": [arguments, {"type": "null"}]}
        with_arguments.append(
            {
                "type": "object",
                "description": definition.description,
                "properties": {name: {"description": definition.description, **arguments}},
                "required": [name],
                "additionalProperties": False,
            }
        )
    return {
        "anyOf": [
            {"enum": alone, "description": "a check that needs no arguments, named alone"},
            *with_arguments,
            {
                "type": "object",
                "description": "your own check, `package.module:function`, with its arguments",
                "patternProperties": {_OWN_CHECK: {"type": ["object", "null"]}},
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
            },
            {"type": "string", "pattern": _OWN_CHECK, "description": "your own check"},
        ]
    }


def json_schemas() -> dict[str, dict[str, Any]]:
    schemas = {filename: model.model_json_schema() for filename, model in SCHEMA_FILES.items()}
    success = schemas["scenario.schema.json"]["$defs"]["SuccessConfig"]["properties"]["checks"]
    success["items"] = checks_schema()
    return schemas


def write_schemas(folder: Path) -> list[Path]:
    """The JSON Schemas, into `folder` only."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, schema in json_schemas().items():
        path = folder / filename
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


REFERENCE_AGENT = "crosstalk_agent:create_agent"


def write_reference(path: Path) -> Path:
    """The field reference at `path`; a file there that we did not generate is never replaced."""
    if path.exists() and not path.read_text(encoding="utf-8").startswith(REFERENCE_HEADER):
        raise ConfigError(
            f"{path}: exists and was not written by `crosstalk schema`; left as it is",
            hint="name another file with --docs, or remove this one first",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(field_reference(), encoding="utf-8")
    return path


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
    kind: Literal["persona", "scenario"],
    name: str,
    root: Path,
    persona: str | None = None,
    factory: str = REFERENCE_AGENT,
) -> Path:
    """Write a commented starting file; never overwrites. A scenario calls `factory`."""
    folder = root / ("personas" if kind == "persona" else "scenarios")
    path = folder / f"{name}.yaml"
    if path.exists():
        raise ConfigError(f"{path}: already exists", hint="choose another name, or edit that file")
    if kind == "persona":
        text = PERSONA_TEMPLATE.format(name=name)
    else:
        chosen = _persona_for(root, persona)
        text = SCENARIO_TEMPLATE.format(
            name=name,
            path=path,
            persona=chosen,
            goal_note=_goal_note(root, chosen),
            factory=factory,
        )
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
