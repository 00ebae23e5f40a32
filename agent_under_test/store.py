"""The agent's own storage: `agent_events.jsonl` and `agent.sqlite` in the session directory.

`agent.sqlite` is created fresh per session from `data/retail.sql` (the retailer's customers and
orders) plus an `events` table (one row per event) and a `sessions` record updated during the
call. Every SQLite call runs on one worker thread, so the event loop never waits on disk;
events are queued by `append` (cheap) and written, PII-redacted, in batches by `flush`.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from crosstalk_harness.rundir.files import JsonlAppender
from crosstalk_harness.rundir.layout import SessionPaths

from .config import DATA_DIR
from .redaction import redact

T = TypeVar("T")

_AGENT_TABLES = """
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL,
    t          REAL NOT NULL,
    type       TEXT NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX events_by_type ON events(type);
CREATE TABLE sessions (
    id               TEXT PRIMARY KEY,
    started_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    ended_at         REAL,
    state            TEXT NOT NULL,
    customer_id      TEXT,
    order_id         TEXT,
    caller_turns     INTEGER NOT NULL DEFAULT 0,
    agent_turns      INTEGER NOT NULL DEFAULT 0,
    tool_calls       INTEGER NOT NULL DEFAULT 0,
    guardrail_events INTEGER NOT NULL DEFAULT 0,
    outcome          TEXT,
    transcript       TEXT NOT NULL DEFAULT '[]',
    metrics          TEXT NOT NULL DEFAULT '{}'
);
"""


def database_sql() -> str:
    """The SQL that builds a session's `agent.sqlite` (tables and the retailer's rows)."""
    return (DATA_DIR / "retail.sql").read_text(encoding="utf-8") + _AGENT_TABLES


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in the session, at `t` seconds on the session clock."""

    t: float
    type: str
    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"t": round(self.t, 4), "type": self.type, "data": self.data}


def _sql(value: Any) -> Any:
    return json.dumps(value, default=str) if isinstance(value, dict | list) else value


class AgentStore:
    """The session's database and event log; `session_dir=None` keeps everything in memory."""

    def __init__(self, session_dir: Path | None, session_id: str) -> None:
        self.session_id = session_id
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-store")
        paths = SessionPaths(session_dir) if session_dir else None
        self.db_path = paths.agent_database if paths else None
        self.events_path = paths.agent_events if paths else None
        if self.db_path is not None and self.db_path.exists():
            self.db_path.unlink()  # a fresh copy of the retailer's data for every session
        self._db = sqlite3.connect(str(self.db_path or ":memory:"), check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.executescript(database_sql())
        now = time.time()
        self._db.execute(
            "INSERT INTO sessions (id, started_at, updated_at, state) VALUES (?, ?, ?, 'greet')",
            (session_id, now, now),
        )
        self._db.commit()
        self._jsonl = JsonlAppender(self.events_path) if self.events_path else None
        self._pending: list[Event] = []
        self.events_written = 0

    # -- events -------------------------------------------------------------------------------

    def append(self, event: Event) -> None:
        """Queue an event for the next flush (no I/O here: called on every event)."""
        self._pending.append(event)

    def _write_events(self, events: list[Event]) -> None:
        stored = [Event(e.t, e.type, redact(e.data)) for e in events]
        if self._jsonl is not None:
            self._jsonl.append(*(e.to_json() for e in stored))
        self._db.executemany(
            "INSERT INTO events (session_id, t, type, data) VALUES (?, ?, ?, ?)",
            [(self.session_id, e.t, e.type, json.dumps(e.data, default=str)) for e in stored],
        )
        self._db.commit()
        self.events_written += len(stored)

    async def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            await self.run(self._write_events, batch)

    # -- the database -------------------------------------------------------------------------

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """Run `function(*args)` on the store's thread (it may use `self.db`)."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    @property
    def db(self) -> sqlite3.Connection:
        return self._db

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Blocking: rows as dicts. Call through `run` from async code."""
        return [dict(row) for row in self._db.execute(sql, params).fetchall()]

    def _update_session(self, fields: dict[str, Any]) -> None:
        fields = {**redact(fields), "updated_at": time.time()}
        assignments = ", ".join(f"{name} = ?" for name in fields)
        self._db.execute(
            f"UPDATE sessions SET {assignments} WHERE id = ?",
            (*[_sql(value) for value in fields.values()], self.session_id),
        )
        self._db.commit()

    async def update_session(self, **fields: Any) -> None:
        """Update the session record (values are redacted like events)."""
        await self.run(self._update_session, fields)

    async def close(self) -> None:
        await self.flush()
        await self.run(self._close_files)
        self._executor.shutdown(wait=True)

    def _close_files(self) -> None:
        if self._jsonl is not None:
            self._jsonl.close()
        self._db.close()
