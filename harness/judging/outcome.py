"""A session's outcome (passed / failed / inconclusive), decided from its directory's files alone.

This is the one place that decides. `run`, `judge`, `report`, results.json, JUnit, `compare` and
pass^k all ask `decide` (or `outcome_of`), so a re-judged session cannot say one thing in one file
and another elsewhere:

- passed: everything the scenario asked for (budgets, checks, rubrics) was judged and held;
- failed: something judged failed, or the call broke (crashed, left "running");
- inconclusive: nothing failed, but something asked for could not be judged (a budget on
  untrustworthy timing, a rubric with no model or a judge error, a check that could not apply,
  a cancelled call). A call cut short by max_duration_s/max_turns while its timing was
  untrustworthy is inconclusive too: the harness, not the agent, may have run out the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..rundir.files import read_object_or_none
from ..rundir.layout import JUDGEMENT_FILE, SESSION_FILE, SessionPaths
from .modes import NOTHING_ASKED, audio_asks, mode_of, not_measured_in_text, text_asks

Outcome = Literal["passed", "failed", "inconclusive"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "inconclusive")
_JUDGED_STATUSES = ("completed", "max_duration", "max_turns")
_GATING_KINDS = ("check", "rubric")


@dataclass(frozen=True)
class SessionOutcome:
    outcome: Outcome
    failed: tuple[str, ...] = ()  # what was judged and did not hold
    unjudged: tuple[str, ...] = ()  # what was asked for but could not be judged
    broke: bool = False  # the call itself broke (a JUnit <error>, not a <failure>)
    mode: str = "audio"
    not_measured: tuple[str, ...] = ()  # audio-only asks of a text-mode session (not gating)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def reasons(self) -> list[str]:
        """Why it did not pass, one line each, failures first."""
        return [*self.failed, *self.unjudged]

    def to_json(self, key: str = "outcome") -> dict[str, Any]:
        """`key` names the outcome field: run.json says "verdict" (its "outcome" is how the call
        ended), results.json "outcome"."""
        document = {key: self.outcome, "reasons": self.reasons, "not_judged": list(self.unjudged)}
        if self.mode != "audio":
            document |= {"mode": self.mode, "not_measured": list(self.not_measured)}
        return document


def _once(lines: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(line for line in lines if line))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _broken_reason(status: str, result: dict[str, Any]) -> str | None:
    if status == "running":
        return f"the run stopped during this call ({SESSION_FILE} still says running)"
    if status == "unreadable":
        return f"{SESSION_FILE} is missing or unreadable"
    if status == "error":
        return f"the call broke: {result.get('error') or 'unknown error'}"
    if status not in (*_JUDGED_STATUSES, "cancelled"):
        return f"unknown session status {status!r}"
    return None


def _verdict_lines(judgement: dict[str, Any]) -> tuple[list[str], list[str]]:
    failed, unjudged = [], []
    for verdict in judgement.get("verdicts") or []:
        verdict = _dict(verdict)
        if verdict.get("kind") not in _GATING_KINDS:
            continue
        name, reason, status = (
            verdict.get("judge", "?"),
            verdict.get("reason", ""),
            verdict.get("status"),
        )
        if status == "failed":
            failed.append(f"{name}: {reason}".strip())
        elif status == "error":
            unjudged.append(f"{name} could not be judged: {reason}".strip())
        elif status == "not_run":
            unjudged.append(f"{name} not run: {reason}".strip())
    return failed, unjudged


def decide(
    status: str, document: dict[str, Any], judgement: dict[str, Any] | None
) -> SessionOutcome:
    """The outcome of a session from its session.json `document` and judgement.json (or None).

    A text-mode session is decided on what text can show; its audio-only asks are listed as
    not measured (they neither fail nor hold it back), and with nothing else asked it is
    inconclusive."""
    decided = _decide(status, document, judgement)
    if mode_of(document) != "text":
        return decided
    scenario = _dict(document.get("scenario"))
    unjudged = decided.unjudged
    nothing_asked = audio_asks(scenario) and not text_asks(scenario)
    if status in _JUDGED_STATUSES and nothing_asked and decided.outcome == "passed":
        unjudged = (NOTHING_ASKED,)
    return replace(
        decided,
        outcome="inconclusive" if unjudged and decided.outcome == "passed" else decided.outcome,
        unjudged=unjudged,
        mode="text",
        not_measured=tuple(not_measured_in_text(scenario, _dict(document.get("persona")))),
    )


def _decide(
    status: str, document: dict[str, Any], judgement: dict[str, Any] | None
) -> SessionOutcome:
    result = _dict(document.get("result"))
    broken = _broken_reason(status, result)
    if broken is not None:
        return SessionOutcome("failed", (broken,), broke=True)
    if status == "cancelled":
        return SessionOutcome("inconclusive", unjudged=("cancelled before the call finished",))
    trust = _dict(result.get("timing_trust"))
    trusted = trust.get("trusted", True) is not False
    failed = [str(f) for f in result.get("failures") or []]
    unjudged = [
        f"budget {b.get('budget', '?')} not judged: timing untrustworthy"
        for b in (_dict(b) for b in result.get("budgets") or [])
        if b.get("judged") is False
    ]
    success = _dict(_dict(document.get("scenario")).get("success"))
    if judgement is None:
        if success.get("checks") or success.get("rubrics"):
            unjudged.append(f"success checks not judged (no {JUDGEMENT_FILE})")
    else:
        judged_failed, judged_not = _verdict_lines(judgement)
        if judgement.get("passed") is False and not judgement.get("verdicts"):
            judged_failed = [f"{JUDGEMENT_FILE}: did not pass"]  # by hand or another tool
        failed += judged_failed
        unjudged += judged_not
    if not trusted and status in ("max_duration", "max_turns") and failed:
        why = (trust.get("reasons") or ["timing untrustworthy"])[0]
        cut_short = [f"not judged, the call ran out of time while {why}: {f}" for f in failed]
        failed, unjudged = [], [*cut_short, *unjudged]
    if failed:
        return SessionOutcome("failed", _once(failed), _once(unjudged))
    if unjudged:
        return SessionOutcome("inconclusive", (), _once(unjudged))
    return SessionOutcome("passed")


def outcome_of(directory: Path) -> SessionOutcome:
    """The outcome of the session in `directory`, from its session.json and judgement.json
    (a missing or broken session.json is a broken call; a broken judgement.json, none)."""
    paths = SessionPaths(directory)
    document = read_object_or_none(paths.session) or {}
    status = str(document.get("status") or "unreadable")
    return decide(status, document, read_object_or_none(paths.judgement))


def run_outcome(
    outcomes: list[SessionOutcome],
    *,
    errors: bool = False,
    stopped: bool = False,
    sharded: bool = False,
) -> Outcome:
    """A run's outcome: failed if anything failed (or a session crashed), inconclusive if
    anything could not be judged (or the run stopped early, or had no session), else passed.
    One shard of a split run may hold no session by design (more shards than sessions): that
    slice passes, since the run as a whole is judged from the merged shards."""
    if errors or any(o.outcome == "failed" for o in outcomes):
        return "failed"
    nothing_ran = not outcomes and not sharded
    if stopped or nothing_ran or any(o.outcome == "inconclusive" for o in outcomes):
        return "inconclusive"
    return "passed"


def summary_line(outcomes: list[SessionOutcome], *, most: int = 3) -> str:
    """ "2 passed, 0 failed, 1 inconclusive: task_completion not run: no model configured" """
    counts = {word: sum(o.outcome == word for o in outcomes) for word in OUTCOMES}
    line = ", ".join(f"{counts[word]} {word}" for word in OUTCOMES)
    unjudged = list(_once([r for o in outcomes if o.outcome == "inconclusive" for r in o.unjudged]))
    if unjudged:
        more = f" (+{len(unjudged) - most} more)" if len(unjudged) > most else ""
        line += ": " + "; ".join(unjudged[:most]) + more
    return line
