"""Load personas and scenarios from YAML into validated models; errors point at the line."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from ..library import absolute, find, known_names, search_folders
from .models import Persona, Scenario, Suite
from .yaml_source import FieldPath, YamlDocument, load_yaml

ModelT = TypeVar("ModelT", bound=BaseModel)
# errors whose message already quotes the value; "(found ...)" would only repeat it
_SAYS_WHAT_IT_FOUND = ("unknown_rubric", "unknown_check")


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


def _model_in(annotation: object) -> type[BaseModel] | None:
    """The model in an annotation like `Model | None`, `list[Model]` or `dict[str, Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in reversed(get_args(annotation)):
        found = _model_in(argument)
        if found is not None:
            return found
    return None


def _known_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed at `loc`'s parent, to suggest the one the user meant."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or (current is not None and part not in current.model_fields):
            continue  # a list index or a dict key: the model is already unwrapped
        if current is None:
            return []
        current = _model_in(current.model_fields[part].annotation)
    return list(current.model_fields) if current else []


def parse_model(model: type[ModelT], path: Path) -> ModelT:
    """Validate `path` as `model`; every problem is listed as `file:line:col: field: message`."""
    return _validate(model, load_yaml(path))


def _validate(model: type[ModelT], document: YamlDocument) -> ModelT:
    if not isinstance(document.data, dict):
        raise ConfigError(
            f"{document.where(())}: expected a mapping of keys, "
            f"found {type(document.data).__name__}"
        )
    try:
        return model.model_validate(document.data, context={"source": document.path})
    except ValidationError as exc:
        errors = _without_echoes(model, exc.errors())
        lines = []
        for error in errors:
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "(top level)"
            lines.append(f"{document.where(loc)}: {field}: {_message(model, error)}")
        raise ConfigError("\n".join(lines)) from None


def _suggestion(model: type[BaseModel], loc: tuple[str | int, ...]) -> str | None:
    close = difflib.get_close_matches(str(loc[-1]), _known_keys(model, loc), n=1)
    return close[0] if close else None


def _without_echoes(model: type[BaseModel], errors: list[Any]) -> list[Any]:
    """Drop "Field required" for a key the user misspelt: the unknown-key error already says it."""
    suggested = set()
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            suggestion = _suggestion(model, loc)
        elif error["type"] == "unknown_argument":
            found = re.search(r"did you mean '([^']+)'", str(error["msg"]))
            suggestion = found.group(1) if found else None
        else:
            continue
        if suggestion:
            suggested.add((*loc[:-1], suggestion))
    return [
        error
        for error in errors
        if not (error["type"] == "missing" and tuple(error["loc"]) in suggested)
    ]


_MAPPING_TYPES = {"model_type", "dict_type", "model_attributes_type"}


def _message(model: type[BaseModel], error: Any) -> str:
    """pydantic's error in our words: no "Value error, ", no class names."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        suggestion = _suggestion(model, loc)
        return "unknown key" + (f" (did you mean {suggestion!r}?)" if suggestion else "")
    if error["type"] in _MAPPING_TYPES:
        return f"expected a mapping of keys (`key: value`), found {error.get('input')!r}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if "input" in error and error["type"] not in ("missing", *_SAYS_WHAT_IT_FOUND):
        message += f" (found {error['input']!r})"
    return message


def _persona_path(reference: str, scenario_path: Path) -> Path:
    candidate = Path(reference)
    if candidate.suffix in {".yaml", ".yml"}:
        if candidate.is_absolute():
            return candidate
        beside = absolute(scenario_path).parent / candidate
        return beside if beside.exists() or not candidate.exists() else candidate
    found = find("persona", reference, scenario_path)
    return found or search_folders("persona", scenario_path)[0].path / f"{reference}.yaml"


def load_persona(reference: str, scenario_path: Path, where: str) -> tuple[Persona, Path]:
    """The persona `reference` names, as seen from `scenario_path`; `where` locates the name."""
    persona_path = _persona_path(reference, scenario_path)
    if not persona_path.is_file():
        close = difflib.get_close_matches(reference, known_names("persona", scenario_path), n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else f" (looked for {persona_path})"
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
    named = [("template", caller.template)]
    if caller.replay is not None:
        named.append(("replay", caller.replay.source))
    for field, value in named:
        if value and not (Path(value) if Path(value).is_absolute() else base / value).exists():
            key = ("caller", field, "source") if field == "replay" else ("caller", field)
            raise ConfigError(f"{document.where(key)}: caller.{field}: {value} does not exist")


def load_scenario(path: Path) -> LoadedScenario:
    """The scenario and its persona; a bad scenario and a missing persona are reported together."""
    document = load_yaml(path)
    problems: list[ConfigError] = []
    scenario: Scenario | None = None
    try:
        scenario = _validate(Scenario, document)
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
    return _validate(Suite, document), document


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
