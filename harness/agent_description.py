"""What an agent declares about itself, so a scenario is checked against it before any call.

A factory may carry `crosstalk_description`, an `AgentDescription`: a function that rejects bad
`agent.options` (raising an exception whose message is `field.path: problem`, one per line), its
tools (OpenAI-style function schemas, or only their names), its instructions, a JSON Schema of
its options for readers, and the SQL that builds its database. `scenario_problems` uses them to find
option typos, `tool_called` names the agent has no tool for, and `db_state` queries that cannot
run against the agent's tables; agents that declare nothing are not checked.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

_FIELD = re.compile(r"^([A-Za-z_][\w]*(?:\.[\w]+)*): (.+)$")
# what a `db_state` query may do: read tables and call functions (no ATTACH, PRAGMA, VACUUM INTO,
# writes), so a check can never change or copy files, whatever SQL a scenario holds
_READING = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION, 33}  # 33: WITH


def _only_reading(action: int, *_: object) -> int:
    return sqlite3.SQLITE_OK if action in _READING else sqlite3.SQLITE_DENY


def only_reads(connection: sqlite3.Connection) -> sqlite3.Connection:
    """`connection`, refusing any statement but a query: it cannot write, attach or copy files."""
    connection.set_authorizer(_only_reading)
    return connection


@dataclass(frozen=True)
class AgentDescription:
    """What the harness may check about an agent before calling it."""

    # called with `agent.options`, and `scenario_dir=` (the scenario file's folder) if it takes it
    check_options: Callable[..., object] | None = None
    tool_names: Sequence[str] = field(default_factory=tuple)
    database_sql: Callable[[], str] | None = None
    # `{"type": "function", "function": {"name", "description", "parameters"}}` per tool; a
    # parameter's `examples` are values that fit the agent's data (scenario generation uses them)
    tools: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    instructions: str = ""
    options_schema: Mapping[str, Any] | None = None  # a JSON Schema of `agent.options`

    def __post_init__(self) -> None:
        if self.tools and not self.tool_names:
            names = tuple(str(tool["function"]["name"]) for tool in self.tools)
            object.__setattr__(self, "tool_names", names)


class _Located(Protocol):
    def where(self, field_path: tuple[str | int, ...]) -> str: ...


def description_of(factory: object) -> AgentDescription | None:
    found = getattr(factory, "crosstalk_description", None)
    return found if isinstance(found, AgentDescription) else None


def _option_problems(
    description: AgentDescription,
    options: dict[str, Any],
    where: _Located,
    scenario_dir: Path | None,
) -> list[str]:
    if description.check_options is None:
        return []
    offered = {}
    if "scenario_dir" in inspect.signature(description.check_options).parameters:
        offered["scenario_dir"] = scenario_dir
    try:
        description.check_options(options, **offered)
    except Exception as exc:  # the agent's own validation: its message is the problem
        problems = []
        for line in str(exc).splitlines() or [type(exc).__name__]:
            found = _FIELD.match(line)
            parts = found.group(1).split(".") if found else []
            path = tuple(int(part) if part.isdigit() else part for part in parts)
            location = where.where(("agent", "options", *path))
            problems.append(f"{location}: agent.options{'.' if found else ': '}{line}")
        return problems
    return []


def _tool_problems(
    description: AgentDescription, check_calls: list[tuple[str, dict[str, Any]]], where: _Located
) -> list[str]:
    known = list(description.tool_names)
    if not known:
        return []
    problems = []
    for index, (name, arguments) in enumerate(check_calls):
        if name not in {"tool_called", "tool_not_called"} or arguments.get("name") in known:
            continue
        tool = str(arguments.get("name"))
        close = difflib.get_close_matches(tool, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "its tools: " + ", ".join(known)
        location = where.where(("success", "checks", index, name, "name"))
        problems.append(
            f"{location}: success.checks.{index}.{name}.name: the agent has no tool {tool!r} "
            f"({hint})"
        )
    return problems


def _sql_problems(
    description: AgentDescription, check_calls: list[tuple[str, dict[str, Any]]], where: _Located
) -> list[str]:
    queries = [(i, args) for i, (name, args) in enumerate(check_calls) if name == "db_state"]
    if description.database_sql is None or not queries:
        return []
    problems = []
    with sqlite3.connect(":memory:") as database:
        database.executescript(description.database_sql())
        only_reads(database)
        for index, arguments in queries:
            query = str(arguments.get("query", ""))
            try:
                database.execute(f"EXPLAIN {query}")
            except sqlite3.Error as exc:
                location = where.where(("success", "checks", index, "db_state", "query"))
                problems.append(
                    f"{location}: success.checks.{index}.db_state.query: this SQL cannot run on "
                    f"the agent's database ({exc}; a check may only read)"
                )
    return problems


def scenario_problems(
    factory: object,
    options: dict[str, Any],
    check_calls: list[tuple[str, dict[str, Any]]],
    where: _Located,
    scenario_dir: Path | None = None,
) -> list[str]:
    """Every `file:line:col: field: problem` the factory's description finds in a scenario
    (relative paths in its options resolved in `scenario_dir`, the scenario file's folder)."""
    description = description_of(factory)
    if description is None:
        return []
    return [
        *_option_problems(description, options, where, scenario_dir),
        *_tool_problems(description, check_calls, where),
        *_sql_problems(description, check_calls, where),
    ]
