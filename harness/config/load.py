"""Load personas and scenarios from YAML into validated models; errors point at the line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ConfigError
from ..library import absolute, find, known_names, search_folders
from ..yaml_models import FieldPath, YamlDocument, load_yaml, parse_model, validate_document
from .models import Scenario, Suite
from .persona import Persona


@dataclass(frozen=True)
class LoadedScenario:
    scenario: Scenario
    persona: Persona
    scenario_path: Path
    persona_path: Path
    scenario_document: YamlDocument

    def where(self, field_path: FieldPath) -> str:
        """`file:line:col` of a scenario field, for error messages."""
        return self.scenario_document.where(field_path)


def _persona_path(reference: str, scenario_path: Path) -> Path:
    candidate = Path(reference)
    if candidate.suffix in {".yaml", ".yml"}:
        if candidate.is_absolute():
            return candidate
        return absolute(scenario_path).parent / candidate  # never the cwd's file of that name
    found = find("persona", reference, scenario_path)
    return found or search_folders("persona", scenario_path)[0].path / f"{reference}.yaml"


def load_persona(reference: str, scenario_path: Path, where: str) -> tuple[Persona, Path]:
    """The persona `reference` names, as seen from `scenario_path`; `where` locates the name."""
    persona_path = _persona_path(reference, scenario_path)
    if not persona_path.is_file():
        close = difflib.get_close_matches(reference, known_names("persona", scenario_path), n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else f" (looked for {persona_path})"
        elsewhere = Path(reference)
        if elsewhere.is_file() and absolute(elsewhere) != absolute(persona_path):
            suggestion += (
                f"; {elsewhere} exists relative to the current directory, but a path in a "
                f"scenario is relative to the scenario ({scenario_path.parent})"
            )
        raise ConfigError(
            f"{where}: persona: no persona {reference!r}" + suggestion,
            hint="name a file in personas/ without .yaml, or give a path to the YAML file",
        )
    return parse_model(Persona, persona_path), persona_path


def check_caller(scenario: Scenario, persona: Persona, persona_path: Path, document: YamlDocument):
    """What the caller's brain needs from the persona and the files the scenario names."""
    caller = scenario.caller
    if caller.brain == "scripted" and not persona.script:
        where = load_yaml(persona_path).where(("script",))
        raise ConfigError(
            f"{where}: script: the scripted caller needs at least one line",
            hint="add `script:` lines, or use `caller.brain: llm` in the scenario",
        )
    base = Path(document.path).parent
    named: list[tuple[tuple[str, ...], str | None]] = [(("caller", "template"), caller.template)]
    if caller.replay is not None:
        named.append((("caller", "replay", "source"), caller.replay.source))
        named.append((("caller", "replay", "agent"), caller.replay.agent))
    for key, value in named:
        if value and not (Path(value) if Path(value).is_absolute() else base / value).exists():
            field = ".".join(key)
            raise ConfigError(
                f"{document.where(key)}: {field}: {value} does not exist (beside the scenario: "
                f"{base / value})"
            )


def load_scenario(path: Path) -> LoadedScenario:
    """The scenario and its persona; a bad scenario and a missing persona are reported together."""
    document = load_yaml(path)
    problems: list[ConfigError] = []
    scenario: Scenario | None = None
    try:
        scenario = validate_document(Scenario, document)
    except ConfigError as exc:
        problems.append(exc)
    reference = document.data.get("persona") if isinstance(document.data, dict) else None
    if isinstance(reference, str):
        try:
            persona, persona_path = load_persona(reference, path, document.where(("persona",)))
            if scenario is not None:
                check_caller(scenario, persona, persona_path, document)
        except ConfigError as exc:
            problems.append(exc)
    if problems or scenario is None:
        raise ConfigError(
            "\n".join(problem.message for problem in problems),
            hint=problems[0].hint if len(problems) == 1 else None,
        )
    return LoadedScenario(scenario, persona, path, persona_path, document)


def load_suite(path: Path) -> tuple[Suite, YamlDocument]:
    document = load_yaml(path)
    return validate_document(Suite, document), document


FileKind = Literal["persona", "scenario", "suite", "rubric"]


def file_kind(path: Path) -> FileKind:
    """What a YAML file is, from its folder and top-level keys (before validating it)."""
    if path.parent.name == "personas":
        return "persona"
    if path.parent.name == "judges":
        return "rubric"
    try:
        data = load_yaml(path).data
    except ConfigError:
        return "scenario"  # validating it as a scenario reports the syntax error
    if isinstance(data, dict) and "suite" in data:
        return "suite"
    if isinstance(data, dict) and "persona" not in data and ("goal" in data or "script" in data):
        return "persona"
    return "scenario"
