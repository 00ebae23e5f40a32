"""Hand-written session directories for judging tests: the files a real run leaves behind."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from crosstalk_harness.rundir.files import write_json, write_jsonl
from crosstalk_harness.rundir.layout import SessionPaths

ORDER_CALL = [
    ("agent", "Hello, thanks for calling Acme Outfitters. How can I help?"),
    ("caller", "Hi, I am calling about order 42791."),
    ("agent", "Let me check. Order 42791 shipped yesterday and arrives on Friday."),
    ("caller", "Great, please deliver it to 12 Baker Street instead."),
    ("agent", "Done: order 42791 will now be delivered to 12 Baker Street."),
    ("caller", "Thank you so much, that is wonderful. Goodbye."),
]
LOOKUP = {
    "name": "lookup_order",
    "arguments": {"order_id": "42791"},
    "result": {"status": "shipped", "eta": "Friday"},
}


def write_session(
    directory: Path,
    turns: list[tuple[str, str]] | list[dict[str, Any]] = ORDER_CALL,
    *,
    events: list[dict[str, Any]] | None = None,
    caller_state: dict[str, Any] | None = None,
    probes: dict[str, Any] | None = None,
    session: dict[str, Any] | None = None,
    database: dict[str, tuple[list[str], list[tuple[Any, ...]]]] | None = None,
) -> Path:
    """A session directory with transcript.json (timed 2 s apart) and whatever else is given."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = SessionPaths(directory)
    rows = []
    for index, turn in enumerate(turns):
        if isinstance(turn, dict):
            rows.append(turn)
            continue
        speaker, text = turn
        rows.append(
            {
                "speaker": speaker,
                "text": text,
                "start_s": 2.0 * index,
                "end_s": 2.0 * index + 1.5,
                "interrupted": False,
                "heard_as": text,
            }
        )
    write_json(paths.transcript, {"turns": rows}, indent=None)
    if events is not None:
        write_jsonl(paths.agent_events, events)
    if caller_state is not None:
        write_json(paths.caller_state, caller_state, indent=None)
    if probes is not None:
        write_json(paths.probes, probes, indent=None)
    if session is not None:
        write_json(paths.session, session, indent=None)
    if database is not None:
        with sqlite3.connect(paths.agent_database) as connection:
            for table, (columns, table_rows) in database.items():
                connection.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
                marks = ", ".join("?" for _ in columns)
                connection.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    return directory


def tool_event(t: float = 3.0, **overrides: Any) -> dict[str, Any]:
    return {"t": t, "type": "tool_call", "data": {**LOOKUP, **overrides}}


def session_document(
    scenario: str = "order_status",
    success: dict[str, Any] | None = None,
    *,
    status: str = "completed",
    failures: list[str] | None = None,
    repeat: int = 0,
    persona: str = "caller",
    scenario_file: str | None = None,
    budgets: dict[str, float] | None = None,
) -> dict[str, Any]:
    """A session.json; by default its scenario asks for one latency budget (a scenario that
    asks for nothing is inconclusive: pass `budgets={}` and no `success` for that)."""
    limits = {"response_latency_p95_ms": 3000.0} if budgets is None else budgets
    return {
        "schema": "crosstalk.session/1",
        "status": status,
        "scenario_file": scenario_file,
        "scenario_name": scenario,
        "persona_name": persona,
        "repeat": repeat,
        "variant": "",
        "scenario": {"name": scenario, "success": success or {}, "budgets": limits},
        "persona": {"name": persona},
        "result": {"outcome": status, "failures": failures or []},
    }
