"""Load personas and scenarios from YAML into validated models; errors point at the line."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .models import Persona, Scenario
from .yaml_source import FieldPath, YamlDocument, load_yaml

ModelT = TypeVar("ModelT", bound=BaseModel)


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


def _known_keys(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The field names allowed at `loc`'s parent, to suggest the one the user meant."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return []
        annotation = current.model_fields[part].annotation
        current = (
            annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else None
        )
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
        lines = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            field = ".".join(str(part) for part in loc) or "(top level)"
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key"
                close = difflib.get_close_matches(str(loc[-1]), _known_keys(model, loc), n=1)
                if close:
                    message += f" (did you mean {close[0]!r}?)"
            elif "input" in error and error["type"] != "missing":
                message += f" (found {error['input']!r})"
            lines.append(f"{document.where(loc)}: {field}: {message}")
        raise ConfigError("\n".join(lines)) from None


def _persona_folders(scenario_path: Path) -> list[Path]:
    """Where a persona named without a path is looked for, in order."""
    return [
        scenario_path.parent.parent / "personas",
        scenario_path.parent / "personas",
        Path("personas"),
    ]


def _persona_path(reference: str, scenario_path: Path) -> Path:
    candidate = Path(reference)
    if candidate.suffix in {".yaml", ".yml"}:
        return (
            candidate
            if candidate.is_absolute() or candidate.exists()
            else scenario_path.parent / candidate
        )
    for folder in _persona_folders(scenario_path):
        path = folder / f"{reference}.yaml"
        if path.is_file():
            return path
    return _persona_folders(scenario_path)[0] / f"{reference}.yaml"


def _known_personas(scenario_path: Path) -> list[str]:
    return sorted(
        {path.stem for folder in _persona_folders(scenario_path) for path in folder.glob("*.yaml")}
    )


def load_scenario(path: Path) -> LoadedScenario:
    document = load_yaml(path)
    scenario = _validate(Scenario, document)
    persona_path = _persona_path(scenario.persona, path)
    if not persona_path.is_file():
        close = difflib.get_close_matches(scenario.persona, _known_personas(path), n=1)
        suggestion = f" (did you mean {close[0]!r}?)" if close else f" (looked for {persona_path})"
        raise ConfigError(
            f"{document.where(('persona',))}: persona: no persona {scenario.persona!r}"
            + suggestion,
            hint="name a file in personas/ without .yaml, or give a path to the YAML file",
        )
    return LoadedScenario(
        scenario, parse_model(Persona, persona_path), path, persona_path, document
    )
