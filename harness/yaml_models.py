"""YAML files into pydantic models, every error at its file, line and column.

The YAML remembers where each value came from; duplicate keys (which plain YAML loaders silently
resolve to the last value) are errors here. A model that fails validation lists each problem as
`file:line:col: field: message`, in our words, suggesting the key a typo meant. Personas,
scenarios, suites, rubrics and calibration sets all load through `parse_model`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ConfigError

FieldPath = tuple[str | int, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)
# errors whose message already quotes the value; "(found ...)" would only repeat it
_SAYS_WHAT_IT_FOUND = ("unknown_rubric", "unknown_check")


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class YamlDocument:
    path: Path
    data: Any
    positions: dict[FieldPath, Position]

    def where(self, field_path: FieldPath) -> str:
        """`file:line:col` of the deepest known prefix of `field_path`."""
        for cut in range(len(field_path), -1, -1):
            position = self.positions.get(tuple(field_path[:cut]))
            if position is not None:
                return f"{self.path}:{position.line}:{position.column}"
        return f"{self.path}:1:1"


_MERGE_TAG = "tag:yaml.org,2002:merge"
_COLLECTION_TAGS = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


def _at(path: Path, node: yaml.Node) -> str:
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def _walk(
    node: yaml.Node, prefix: FieldPath, positions: dict[FieldPath, Position], path: Path
) -> Any:
    positions.setdefault(prefix, Position(node.start_mark.line + 1, node.start_mark.column + 1))
    expected_tag = _COLLECTION_TAGS.get(type(node))
    if expected_tag is not None and node.tag != expected_tag:
        raise ConfigError(
            f"{_at(path, node)}: unknown YAML tag {node.tag!r}",
            hint="remove the tag: crosstalk files hold plain mappings, lists and values",
        )
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_at = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(f"{path}:{key_at.line}:{key_at.column}: keys must be plain names")
            if key_node.tag == _MERGE_TAG:
                raise ConfigError(
                    f"{_at(path, key_node)}: merge keys (`<<`) are not supported",
                    hint="write the keys out in this mapping",
                )
            key = _typed_scalar(key_node, path)
            if key in result:
                field = ".".join(str(part) for part in (*prefix, key))
                first = positions[(*prefix, key)]
                raise ConfigError(
                    f"{path}:{key_at.line}:{key_at.column}: {field}: duplicate key "
                    f"(first at line {first.line})",
                    hint="each key may appear once per mapping; remove or merge the repeats",
                )
            positions[(*prefix, key)] = key_at
            result[key] = _walk(value_node, (*prefix, key), positions, path)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _walk(item, (*prefix, index), positions, path) for index, item in enumerate(node.value)
        ]
    return _typed_scalar(node, path)


def _typed_scalar(node: yaml.Node, path: Path) -> Any:
    """The scalar's value; one YAML cannot build (an unknown tag, 2024-02-30) is the user's."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError as exc:
        problem = exc.problem or "cannot be read"
        if node.tag.startswith("!") or "could not determine a constructor" in problem:
            problem = f"unknown YAML tag {node.tag!r}"
        raise ConfigError(
            f"{_at(path, node)}: {problem}",
            hint="remove the tag: crosstalk files hold plain mappings, lists and values",
        ) from None
    except (ValueError, TypeError, OverflowError) as exc:
        raise ConfigError(
            f"{_at(path, node)}: {node.value!r} cannot be read as YAML's {node.tag.split(':')[-1]} "
            f"({exc})",
            hint="quote the value to keep it as text",
        ) from None
    finally:
        loader.dispose()


def _reader_error(path: Path, text: str, exc: yaml.reader.ReaderError) -> ConfigError:
    """A character YAML does not allow (NUL, other control characters), at its line."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    return ConfigError(
        f"{path}:{line}:{column}: the file holds a control character (U+{exc.character:04X}), "
        "which YAML does not allow",
        hint=f'remove it, or if it is meant, write it as "\\x{exc.character:02x}" in double quotes',
    )


def load_yaml(path: Path) -> YamlDocument:
    """Parse `path`; a missing file, a syntax error or an empty file is a `ConfigError`."""
    if not path.is_file():
        raise ConfigError(
            f"{path}: no such file", hint="paths are relative to the current directory"
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(
            f"{path}:{line}:{column}: not UTF-8 text ({exc.reason})",
            hint="save the file as UTF-8",
        ) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.reader.ReaderError as exc:
        raise _reader_error(path, text, exc) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        source = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        hint = "quote the whole line: a {pause: SECONDS} in it reads as a mapping unquoted"
        raise ConfigError(
            f"{where}: invalid YAML: {exc.problem or exc}",
            hint=hint if "{pause" in source else None,
        ) from None
    if root is None:
        raise ConfigError(f"{path}:1:1: the file is empty")
    positions: dict[FieldPath, Position] = {}
    data = _walk(root, (), positions, path)
    return YamlDocument(path=path, data=data, positions=positions)


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
    return validate_document(model, load_yaml(path))


def validate_document(model: type[ModelT], document: YamlDocument) -> ModelT:
    """Validate a loaded document as `model`, with the errors of `parse_model`."""
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
