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
  espeak: en-us            # offline voice (espeak-ng): en-us, en-gb-x-rp, en-029, ...
  words_per_minute: 165
  pitch: 50                # 0-99
  openai: alloy            # voice when the caller runs on backend: openai
script:                    # the scripted caller says one line per agent turn, in order
  - Hello, I am calling about my order.
  - Thank you, goodbye.
"""

SCENARIO_TEMPLATE = """\
# A scenario: one call to place. Run it with `crosstalk run {path}`.
name: {name}
description: What this call tests.
persona: {persona}         # a file in personas/ (without .yaml), or a path to one
agent:
  factory: agent_under_test:create_agent   # or your own `package.module:function`
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


def json_schemas() -> dict[str, dict[str, Any]]:
    return {filename: model.model_json_schema() for filename, model in SCHEMA_FILES.items()}


def write_schemas(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for filename, schema in json_schemas().items():
        path = folder / filename
        path.write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        written.append(path)
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
