"""One module owns the run directory: no other source names its files, the documentation lists
the layout the code declares, writes are atomic and a broken file is a clear error (exit 2)."""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import asdict, dataclass

import pytest
from crosstalk_harness.errors import EXIT_BAD_INPUT, RunFileError
from crosstalk_harness.rundir import layout
from crosstalk_harness.rundir.documents import (
    read_agent_events,
    read_run,
    read_session,
    read_transcript,
    write_session,
    write_transcript,
)
from crosstalk_harness.rundir.files import (
    read_json,
    read_json_object,
    read_jsonl,
    write_json,
    write_json_if_changed,
)
from crosstalk_harness.rundir.models import Turn
from crosstalk_harness.testing.judging_sessions import write_session as write_judging_session

from .conftest import REPO, run_crosstalk

FILE_NAMES = (*layout.RUN_FILES, *layout.SESSION_FILES, *layout.SWEEP_FILES)
# a file name as a whole word: not "report.html.j2", not "my_run.json"
_NAMED = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, FILE_NAMES)) + r")(?!\.?\w)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _file_names_spelt_outside_rundir() -> list[str]:
    found = []
    for package in ("harness", "agent_under_test"):
        for path in sorted((REPO / package).rglob("*.py")):
            if (REPO / "harness" / "rundir") in path.parents:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            prose = _docstrings(tree)  # docstrings may talk about the files
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    match = _NAMED.search(node.value)
                    if match and id(node) not in prose:
                        where = path.relative_to(REPO)
                        found.append(f"{where}:{node.lineno}: {match.group(0)!r}")
    return found


def test_no_module_outside_rundir_spells_a_run_directory_file_name():
    assert _file_names_spelt_outside_rundir() == [], (
        "name run-directory files through crosstalk_harness.rundir.layout"
    )


def test_the_documented_layout_is_the_declared_one():
    text = (REPO / "docs" / "run-directory.md").read_text(encoding="utf-8")
    tree = text.split("```\nreports/<run-id>/\n", 1)[1].split("```", 1)[0]
    listed = {line.split()[0] for line in tree.splitlines() if line.strip()}
    documented = {name for name in listed if "." in name and "/" not in name}
    assert documented == {*layout.RUN_FILES, *layout.SESSION_FILES}
    assert f"{layout.SHARDS_DIR}/<run-id>/" in listed
    sweep = text.split("```\nreports/sweep-<id>/\n", 1)[1].split("```", 1)[0]
    assert {line.split()[0] for line in sweep.splitlines() if "." in line.split()[0]} == set(
        layout.SWEEP_FILES
    )


def test_a_missing_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(RunFileError) as caught:
        read_session(tmp_path)
    assert caught.value.path == tmp_path / layout.SESSION_FILE
    assert caught.value.message == f"{tmp_path / layout.SESSION_FILE}: missing"
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_corrupt_json_is_an_error_naming_the_file_and_where(tmp_path):
    path = tmp_path / layout.TRANSCRIPT_FILE
    path.write_text('{"turns": [\n  {"speaker": "agent",,}\n]}')
    with pytest.raises(RunFileError) as caught:
        read_transcript(tmp_path)
    assert caught.value.message.startswith(f"{path}: invalid JSON at line 2, column ")


def test_a_document_of_the_wrong_shape_names_the_field(tmp_path):
    (tmp_path / layout.RUN_FILE).write_text("[1, 2]")
    with pytest.raises(RunFileError, match=r"run\.json: not a JSON object \(a list\)"):
        read_run(tmp_path)
    (tmp_path / layout.TRANSCRIPT_FILE).write_text('{"turns": "nonsense"}')
    with pytest.raises(RunFileError, match=r"not a valid transcript\.json: turns: "):
        read_transcript(tmp_path)


def test_event_logs_skip_a_torn_line_and_count_it(tmp_path):
    path = tmp_path / layout.AGENT_EVENTS_FILE
    path.write_text('{"t": 1.0, "type": "state", "data": {"to": "b"}}\n[]\n{"t": 2, "ty')
    lines = read_jsonl(path)
    assert (len(lines.records), lines.skipped) == (1, 2)
    events, skipped = read_agent_events(tmp_path)
    assert [(e.t, e.type, e.data) for e in events] == [(1.0, "state", {"to": "b"})]
    assert skipped == 2
    assert read_jsonl(tmp_path / "absent.jsonl").records == []


def test_the_cli_names_a_broken_file_and_exits_2(tmp_path):
    session = write_judging_session(tmp_path / "01-order")
    (session / layout.SESSION_FILE).write_text('{"status": "completed", ')
    result = run_crosstalk("judge", str(session))
    assert result.exit_code == EXIT_BAD_INPUT, result.stderr
    assert f"{session / layout.SESSION_FILE}: invalid JSON at line 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_write_replaces_the_file_whole_or_not_at_all(tmp_path, monkeypatch):
    path = tmp_path / layout.RESULTS_FILE
    write_json(path, {"passed": True})
    assert read_json(path) == {"passed": True}
    assert path.read_text() == '{\n  "passed": true\n}\n'

    def power_cut(fd: int) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(os, "fsync", power_cut)
    with pytest.raises(OSError):
        write_json(path, {"passed": False, "sessions": list(range(1000))})
    assert read_json(path) == {"passed": True}  # the old file, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [layout.RESULTS_FILE]  # no leftovers


def test_write_if_changed_leaves_an_equal_file_alone(tmp_path):
    path = tmp_path / layout.RUN_FILE
    assert write_json_if_changed(path, {"outcome": "passed"}) is True
    modified = path.stat().st_mtime_ns
    assert write_json_if_changed(path, {"outcome": "passed"}) is False
    assert path.stat().st_mtime_ns == modified
    assert write_json_if_changed(path, {"outcome": "failed"}) is True
    assert read_json_object(path) == {"outcome": "failed"}


@dataclass(frozen=True)
class _OldTurn:  # the transcript turn as runner/transcript.py wrote it before the model
    speaker: str
    text: str
    start_s: float | None
    end_s: float | None
    interrupted: bool
    heard_as: str | None
    backchannel: bool = False


def test_transcripts_are_written_as_before_and_read_back_numbered(tmp_path):
    old = [
        _OldTurn("agent", "Hello, Acme.", 0.52, 1.9, False, "hello acme"),
        _OldTurn("caller", "mm-hm", 1.2, 1.4, False, None, backchannel=True),
        _OldTurn("agent", "", None, None, True, None),
    ]
    write_transcript(tmp_path, [Turn(**asdict(turn)) for turn in old])
    written = (tmp_path / layout.TRANSCRIPT_FILE).read_text()
    assert written == json.dumps({"turns": [asdict(t) for t in old]}, indent=2) + "\n"
    turns = read_transcript(tmp_path).turns
    assert [turn.number for turn in turns] == [1, 2, 3]
    assert turns[1].backchannel and turns[2].start_s is None


def test_a_session_document_keeps_every_key_in_its_order(tmp_path):
    document = {
        "schema": "crosstalk.session/1",
        "session_id": "01-order",
        "status": "running",
        "started_at": 1765100000.123456,
        "scenario_name": "order",
        "tags": ["smoke"],
        "scenario": {"name": "order", "success": {"checks": []}},
        "result": None,
        "written_by_a_newer_crosstalk": {"kept": True},
    }
    (tmp_path / layout.SESSION_FILE).write_text(json.dumps(document, indent=2) + "\n")
    before = (tmp_path / layout.SESSION_FILE).read_text()
    read = read_session(tmp_path)
    assert read.name_of_scenario == "order" and read.repeat == 0  # defaults for what is absent
    write_session(tmp_path, read)
    assert (tmp_path / layout.SESSION_FILE).read_text() == before
    finalised = read.model_copy(update={"status": "error", "result": {"error": "died"}})
    assert list(finalised.to_json()) == list(document)
