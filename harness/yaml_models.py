"""YAML that remembers where each value came from, so every error can name file, line and column.

Duplicate keys (which plain YAML loaders silently resolve to the last value) are errors here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError

FieldPath = tuple[str | int, ...]


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


def _walk(
    node: yaml.Node, prefix: FieldPath, positions: dict[FieldPath, Position], path: Path
) -> Any:
    positions.setdefault(prefix, Position(node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_at = Position(key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(f"{path}:{key_at.line}:{key_at.column}: keys must be plain names")
            key = _typed_scalar(key_node)
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
    return _typed_scalar(node)


def _typed_scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


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
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ConfigError(f"{where}: invalid YAML: {exc.problem or exc}") from None
    if root is None:
        raise ConfigError(f"{path}:1:1: the file is empty")
    positions: dict[FieldPath, Position] = {}
    data = _walk(root, (), positions, path)
    return YamlDocument(path=path, data=data, positions=positions)
