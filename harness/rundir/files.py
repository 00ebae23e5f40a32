"""Reading and writing run-directory files: atomic writes, tolerant reads, clear errors.

Every rewritten file (JSON documents, report.html, junit.xml, the CSV tables) goes to a
temporary file beside its target and is renamed over it: a reader, or a run killed mid-write,
sees the old file or the new one, never half of one. A file that is missing or is not what it
should be raises `RunFileError` (bad input, exit 2) naming the file and the cause; the event
logs (`*.jsonl`) are evidence a crash may cut short, so a torn line is skipped and counted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ..errors import RunFileError


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically (temporary file, fsync, rename)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: Path, text: str) -> None:
    """Write `text` (UTF-8) to `path` atomically."""
    write_bytes(path, text.encode("utf-8"))


def json_text(document: Any, *, indent: int | None = 2) -> str:
    """A document as every run-directory JSON file spells it (one trailing newline)."""
    return json.dumps(document, indent=indent, default=str) + "\n"


def write_json(path: Path, document: Any, *, indent: int | None = 2) -> None:
    """Write `document` as JSON to `path` atomically."""
    write_text(path, json_text(document, indent=indent))


def write_jsonl(path: Path, records: list[Any]) -> None:
    """Write a whole JSON-lines file atomically (a log written in one go, e.g. by a fixture)."""
    write_text(path, "".join(json.dumps(record, default=str) + "\n" for record in records))


def write_json_if_changed(path: Path, document: Any) -> bool:
    """Write `document` unless `path` already holds exactly it; whether it was written."""
    text = json_text(document)
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    write_text(path, text)
    return True


def read_json(path: Path) -> Any:
    """The JSON document in `path`; RunFileError when it is missing or not valid JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RunFileError(path, "missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFileError(path, f"unreadable ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        cause = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        raise RunFileError(path, cause) from None


def read_json_object(path: Path) -> dict[str, Any]:
    """Like `read_json`, for a file that must hold a JSON object."""
    document = read_json(path)
    if not isinstance(document, dict):
        raise RunFileError(path, f"not a JSON object (a {type(document).__name__})")
    return document


def read_optional_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, None when there is no such file; RunFileError when broken."""
    return read_json_object(path) if path.is_file() else None


def read_object_or_none(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`, None when it is missing or broken in any way."""
    try:
        return read_json_object(path)
    except RunFileError:
        return None


@dataclass
class JsonLines:
    """The records of a JSON-lines file; `skipped` counts lines that were not JSON objects."""

    records: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0


def read_jsonl(path: Path) -> JsonLines:
    """A JSON-lines log (none when there is no file); a torn or foreign line is skipped.

    RunFileError only when the file exists but cannot be read at all."""
    found = JsonLines()
    if not path.is_file():
        return found
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFileError(path, f"unreadable ({exc})") from None
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None  # a crash can cut the last line short
        if isinstance(record, dict):
            found.records.append(record)
        else:
            found.skipped += 1
    return found


class JsonlAppender:
    """Appends one JSON object per line, flushed at once: a killed process keeps every line."""

    def __init__(self, path: Path, *, default: Any = str) -> None:
        self.path = path
        self._default = default
        self._file: TextIO = path.open("a", encoding="utf-8")

    def append(self, *records: Any) -> None:
        self._file.write("".join(json.dumps(r, default=self._default) + "\n" for r in records))
        self._file.flush()

    def close(self) -> None:
        self._file.close()
