"""Read run directories into typed records, tolerating missing, partial and broken files.

Reports, results files and comparisons all start here. Nothing is re-run: a session is what its
files say, and a file that is missing or unreadable becomes a note on the session (`problems`)
instead of an exception, so one bad session never stops the report of the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, RunFileError
from ..judging.modes import cell_variant
from ..judging.outcome import Outcome, SessionOutcome, decide
from ..judging.run_verdict import RunFacts, RunVerdict, decide_run, facts_of, session_dirs
from ..rundir.documents import read_run, read_transcript
from ..rundir.files import read_json, read_jsonl
from ..rundir.layout import RECORDING, RUN_FILE, SESSION_FILE, RunPaths, SessionPaths
from ..rundir.models import RunDocument

logger = logging.getLogger(__name__)

# Notable events worth listing in a report; metrics and usage updates are counted, not listed.
_LISTED_EVENTS = {
    "call_started",
    "call_ended",
    "agent_state_changed",
    "user_state_changed",
    "playback_started",
    "playback_finished",
    "speech_created",
    "close",
    "error",
}
_FINISHED = {"completed", "max_duration", "max_turns"}


@dataclass
class Session:
    """One call as its directory describes it."""

    session_id: str
    directory: Path
    status: str  # completed | max_duration | cancelled | error | running (crashed) | unreadable
    scenario: str
    persona: str
    repeat: int = 0
    repeats: int = 1
    tags: list[str] = field(default_factory=list)
    variant: str = ""
    duration_s: float | None = None
    failures: list[str] = field(default_factory=list)  # budget and duration failures, as run
    error: str | None = None
    timing: dict[str, Any] = field(default_factory=dict)  # probes.json summary
    budgets: list[dict[str, Any]] = field(default_factory=list)  # checks as in session.json
    budget_limits: dict[str, float] = field(default_factory=dict)
    turns: list[dict[str, Any]] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)
    hearing: dict[str, Any] = field(default_factory=dict)  # hearing.json
    judgement: dict[str, Any] | None = None
    review: dict[str, Any] | None = None
    caller_state: dict[str, Any] | None = None
    agent_events: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # the notable ones
    event_count: int = 0
    started_at: float | None = None
    problems: list[str] = field(default_factory=list)
    timing_trusted: bool = True  # false: the harness was overloaded, its latencies are not data
    document: dict[str, Any] = field(default_factory=dict)  # session.json as read

    @property
    def finished(self) -> bool:
        return self.status in _FINISHED

    @property
    def verdict(self) -> SessionOutcome:
        """The one decision (judging/outcome.py) from this session's files."""
        return decide(self.status, self.document, self.judgement)

    @property
    def passed(self) -> bool:
        return self.verdict.passed

    @property
    def outcome(self) -> str:
        """passed | failed | inconclusive (see judging/outcome.py)."""
        return self.verdict.outcome

    @property
    def score(self) -> float | None:
        value = (self.judgement or {}).get("score")
        return float(value) if isinstance(value, int | float) else None

    @property
    def reasons(self) -> list[str]:
        """Why it did not pass, one line each (once), failures first."""
        return self.verdict.reasons

    @property
    def label(self) -> str:
        parts = [self.scenario]
        if self.variant:
            parts.append(self.variant)
        parts.append(self.persona)
        return " · ".join(parts) + (f" #{self.repeat + 1}" if self.repeats > 1 else "")

    @property
    def cell(self) -> tuple[str, str, str]:
        """The matrix cell repeats belong to: scenario, variant, persona."""
        return (self.scenario, cell_variant(self.document), self.persona)


@dataclass
class Run:
    run_id: str
    directory: Path
    sessions: list[Session]
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    complete: bool = True  # run.json was written (the run ended, cleanly or not)
    problems: list[str] = field(default_factory=list)
    shard: dict[str, int] | None = None  # {"index": I, "count": N} of `run --shard I/N`
    facts: RunFacts = field(default_factory=RunFacts)

    @property
    def verdict(self) -> RunVerdict:
        """The one decision (judging/run_verdict.py) from this run's files."""
        return self.verdict_with()

    def verdict_with(self, regressions: tuple[str, ...] = ()) -> RunVerdict:
        """The verdict, with the regressions of a baseline comparison as failures."""
        sessions = [(s.session_id, s.verdict) for s in self.sessions]
        return decide_run(sessions, self.facts, regressions)

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def started_at(self) -> float | None:
        times = [s.started_at for s in self.sessions if s.started_at]
        return min(times) if times else None


def _noted(error: RunFileError, problems: list[str]) -> None:
    problems.append(f"{error.path.name}: unreadable ({error.cause})")


def _read_json(path: Path, problems: list[str]) -> Any:
    if not path.is_file():
        return None
    try:
        return read_json(path)
    except RunFileError as exc:
        _noted(exc, problems)
        return None


def _read_jsonl(path: Path, problems: list[str]) -> list[dict[str, Any]]:
    try:
        lines = read_jsonl(path)
    except RunFileError as exc:
        _noted(exc, problems)
        return []
    if lines.skipped:  # a crash can cut the last line short
        problems.append(f"{path.name}: {lines.skipped} unreadable line(s) skipped")
    return lines.records


def _turns(directory: Path, problems: list[str]) -> list[dict[str, Any]]:
    if not SessionPaths(directory).has_transcript():
        return []
    try:
        return [turn.model_dump() for turn in read_transcript(directory).turns]
    except RunFileError as exc:
        _noted(exc, problems)
        return []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _event_summary(record: dict[str, Any]) -> dict[str, Any]:
    data = _dict(record.get("data"))
    detail = ""
    if record.get("type") in ("agent_state_changed", "user_state_changed"):
        detail = f"{data.get('old_state', '?')} → {data.get('new_state', '?')}"
    elif record.get("type") == "call_ended":
        detail = f"outcome {data.get('outcome')}" + (
            f", error {data['error']}" if data.get("error") else ""
        )
    elif record.get("type") in ("playback_finished", "playback_started"):
        detail = ", ".join(f"{k} {v}" for k, v in data.items() if k != "type")
    elif record.get("type") == "error":
        detail = str(data.get("error", data))[:200]
    return {
        "t": record.get("t"),
        "side": record.get("side", ""),
        "type": record.get("type", ""),
        "detail": detail,
    }


def load_session(directory: Path) -> Session:
    """A session from its directory; never raises for bad content."""
    problems: list[str] = []
    paths = SessionPaths(directory)
    document = _dict(_read_json(paths.session, problems))
    scenario_doc = _dict(document.get("scenario"))
    persona_doc = _dict(document.get("persona"))
    result = _dict(document.get("result"))
    if not document:
        problems.append(f"{SESSION_FILE}: missing")
    session = Session(
        session_id=str(document.get("session_id") or directory.name),
        directory=directory,
        status=str(document.get("status") or "unreadable"),
        scenario=str(document.get("scenario_name") or scenario_doc.get("name") or directory.name),
        persona=str(document.get("persona_name") or persona_doc.get("name") or "?"),
        repeat=int(document.get("repeat") or 0),
        repeats=int(document.get("repeats") or 1),
        tags=[str(tag) for tag in document.get("tags") or scenario_doc.get("tags") or []],
        variant=str(document.get("variant") or ""),
        duration_s=result.get("duration_s"),
        failures=[str(f) for f in result.get("failures") or []],
        error=result.get("error"),
        budgets=[b for b in result.get("budgets") or [] if isinstance(b, dict)],
        budget_limits={
            k: float(v)
            for k, v in _dict(scenario_doc.get("budgets")).items()
            if isinstance(v, int | float)
        },
        started_at=document.get("started_at"),
        problems=problems,
        timing_trusted=_dict(result.get("timing_trust")).get("trusted") is not False,
        document=document,
    )
    session.turns = _turns(directory, problems)
    session.probes = _dict(_read_json(paths.probes, problems))
    session.timing = _dict(session.probes.get("summary")) or _dict(result.get("timing"))
    session.hearing = _dict(_read_json(paths.hearing, problems))
    session.judgement = _read_json(paths.judgement, problems)
    session.review = _read_json(paths.review, problems)
    session.caller_state = _read_json(paths.caller_state, problems)
    session.agent_events = _read_jsonl(paths.agent_events, problems)
    events = _read_jsonl(paths.events, problems)
    session.event_count = len(events)
    session.events = [_event_summary(r) for r in events if r.get("type") in _LISTED_EVENTS]
    for name, path in (
        ("judgement", paths.judgement),
        ("review", paths.review),
        ("caller_state", paths.caller_state),
    ):
        if getattr(session, name) is not None and not isinstance(getattr(session, name), dict):
            problems.append(f"{path.name}: not a JSON object; ignored")
            setattr(session, name, None)
    if session.finished and not paths.recording.is_file():
        problems.append(f"{RECORDING}: missing")
    return session


def _run_document(directory: Path, problems: list[str]) -> RunDocument | None:
    if not RunPaths(directory).run.is_file():
        return None
    try:
        return read_run(directory)
    except RunFileError as exc:
        _noted(exc, problems)
        return None


def load_run(directory: Path) -> Run:
    """A run directory; raises ConfigError only when it is not a run directory at all."""
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such run directory")
    problems: list[str] = []
    read = _run_document(directory, problems)
    run_doc = read or RunDocument()
    facts = facts_of(directory)
    folders = session_dirs(directory, facts)
    if read is None and not folders:
        raise ConfigError(
            f"{directory}: not a run directory (no {RUN_FILE} and no session folders)",
            hint="pass a folder written by `crosstalk run`, e.g. reports/<run-id>",
        )
    sessions = []
    for path in folders:
        try:
            sessions.append(load_session(path))
        except Exception as exc:  # a report must survive any one session
            logger.exception("reading %s failed", path)
            sessions.append(
                Session(path.name, path, "unreadable", path.name, "?", problems=[repr(exc)])
            )
    if read is None:
        problems.append(f"{RUN_FILE}: missing (the run did not finish)")
    return Run(
        run_id=run_doc.run_id or directory.name,
        directory=directory,
        sessions=sessions,
        errors=run_doc.errors,
        cancelled=run_doc.cancelled,
        complete=read is not None,
        problems=problems,
        shard=run_doc.shard or None,
        facts=facts,
    )
