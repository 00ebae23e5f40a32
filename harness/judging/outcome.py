"""A session's outcome (passed / failed / inconclusive), decided from its directory's files alone.

This is the one place that decides for a session (run_verdict.py decides for a run from these).
`run`, `judge`, `report`, results.json, JUnit, `compare` and pass^k all ask `decide` (or
`outcome_of`), so a re-judged session cannot say one thing in one file and another elsewhere:

- passed: everything the scenario asked for (budgets, checks, rubrics) was judged and held;
- failed: something judged failed, or the call broke (crashed, left "running"), or the agent
  hung up before the caller was done (unless the scenario says it may: the runner records it);
- inconclusive: nothing failed, but something asked for could not be judged (a budget on
  untrustworthy timing, a rubric with no model or a judge error, a check that could not apply,
  a cancelled call), or the scenario asked for nothing at all. On untrustworthy timing, every
  timing-derived verdict (budgets, the call reaching max_duration_s/max_turns, checks and
  rubrics whose registry entry says they read the clock) is not judged; what the agent said
  and did (must_not_say, no_pii_spoken, tool_called, ...) is evidence whatever the clock did.
Every reason carries a kind (reasons.py), so reports group them without parsing text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..rundir.files import read_object_or_none
from ..rundir.layout import JUDGEMENT_FILE, SESSION_FILE, SessionPaths
from .budgets import BUDGET_FIGURES, NOT_JUDGED
from .check_names import builtin_checks
from .modes import NOTHING_ASKED as NOTHING_ASKED_IN_TEXT
from .modes import audio_asks, mode_of, not_measured_in_text, text_asks
from .reasons import REASON_KINDS, Reason

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
    details: tuple[Reason, ...] = ()  # the same reasons with their kinds, failures first
    mode: str = "audio"
    not_measured: tuple[str, ...] = ()  # audio-only asks of a text-mode session (not gating)

    @classmethod
    def of(
        cls, failed: list[Reason], unjudged: list[Reason], *, broke: bool = False
    ) -> SessionOutcome:
        """Failed if anything failed, inconclusive if anything could not be judged, else passed;
        each reason once (by its sentence)."""
        failed, unjudged = _once(failed), _once(unjudged)
        outcome: Outcome = "failed" if failed else "inconclusive" if unjudged else "passed"
        texts = tuple(r.text for r in failed), tuple(r.text for r in unjudged)
        return cls(outcome, *texts, broke=broke, details=(*failed, *unjudged))

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
        document = {
            key: self.outcome,
            "reasons": self.reasons,
            "not_judged": list(self.unjudged),
            "reason_details": [reason.to_json() for reason in self.details],
        }
        if self.mode != "audio":
            document |= {"mode": self.mode, "not_measured": list(self.not_measured)}
        return document


def _once(reasons: list[Reason]) -> list[Reason]:
    return list({reason.text: reason for reason in reversed(reasons) if reason.text}.values())[::-1]


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


def _legacy_reason(text: str) -> Reason:
    """A `result.failures` line of a session.json written before reasons had kinds."""
    figure = BUDGET_FIGURES.get(text.split(" ", 1)[0])
    if figure is not None:
        return Reason(figure.kind, text, f"budget:{text.split(' ', 1)[0]}", figure.timing_derived)
    if text.startswith("the call reached max_"):
        return Reason("call-limit", text, "call", timing_derived=True)
    return Reason("unclassified", text, "call")


def _runner_reasons(result: dict[str, Any]) -> list[Reason]:
    """What the runner found wrong with the call (budgets, limits, a hang-up), with kinds."""
    structured = result.get("reasons")
    if isinstance(structured, list) and structured:
        return [r for r in (Reason.from_json(item) for item in structured) if r is not None]
    return [_legacy_reason(str(line)) for line in result.get("failures") or [] if line]


def _failure_kind(verdict: dict[str, Any]) -> tuple[str, bool]:
    """A failed verdict's reason kind and whether it is timing-derived: as judgement.json says,
    else (a file from before kinds) as the built-in check's registry entry says."""
    if verdict.get("reason_kind") in REASON_KINDS:
        return str(verdict["reason_kind"]), bool(verdict.get("timing_derived"))
    if verdict.get("kind") == "rubric":
        return "rubric", bool(verdict.get("timing_derived"))
    definition = builtin_checks().get(str(verdict.get("judge")))
    if definition is None:
        return "check", bool(verdict.get("timing_derived"))
    return definition.reason_kind, definition.timing_derived


def _verdict_reasons(judgement: dict[str, Any]) -> tuple[list[Reason], list[Reason]]:
    failed, unjudged = [], []
    for verdict in judgement.get("verdicts") or []:
        verdict = _dict(verdict)
        kind = verdict.get("kind")
        if kind not in _GATING_KINDS:
            continue
        name, reason, status = (
            verdict.get("judge", "?"),
            verdict.get("reason", ""),
            verdict.get("status"),
        )
        source = f"{kind}:{name}"
        if status == "failed":
            reason_kind, timing = _failure_kind(verdict)
            failed.append(Reason(reason_kind, f"{name}: {reason}".strip(), source, timing))
        elif status == "error":
            unjudged.append(
                Reason("judge", f"{name} could not be judged: {reason}".strip(), source)
            )
        elif status == "not_run":
            why = "judge" if kind == "rubric" else "no-evidence"
            unjudged.append(Reason(why, f"{name} not run: {reason}".strip(), source))
    return failed, unjudged


def _asks_something(document: dict[str, Any], judgement: dict[str, Any] | None) -> bool:
    """Something was asked of the call: a success check or rubric, a budget, or a check or
    rubric judged since (`crosstalk judge --rubric`)."""
    verdicts = [_dict(v) for v in _dict(judgement).get("verdicts") or []]
    if any(v.get("kind") in _GATING_KINDS for v in verdicts):
        return True
    scenario = _dict(document.get("scenario"))
    return scenario_asks(scenario) or bool(_dict(document.get("result")).get("budgets"))


def scenario_asks(scenario: dict[str, Any]) -> bool:
    """The scenario (as dumped to JSON) asks something: a success check or rubric, or a budget.
    `validate` warns where it does not; a call of it is inconclusive ("nothing was asked")."""
    success = _dict(scenario.get("success"))
    budgets = _dict(scenario.get("budgets"))
    return bool(
        success.get("checks")
        or success.get("rubrics")
        or any(limit is not None for limit in budgets.values())
    )


def _excused(failed: list[Reason], trust: dict[str, Any], status: str) -> list[Reason]:
    """Timing-derived failures on untrustworthy timing, as not judged (what the agent said and
    did stays evidence whatever the clock did)."""
    why = (trust.get("reasons") or ["timing untrustworthy"])[0]
    if status in ("max_duration", "max_turns"):
        prefix = f"not judged, the call ran out of time while {why}"
    else:
        prefix = f"not judged, timing untrustworthy ({why})"
    return [replace(r, kind="timing-trust", text=f"{prefix}: {r.text}") for r in failed]


NOTHING_ASKED = "nothing was asked: the scenario has no success checks, rubrics or budgets"


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
    nothing_asked = audio_asks(scenario) and not text_asks(scenario)
    if status in _JUDGED_STATUSES and nothing_asked and decided.outcome == "passed":
        nothing = Reason("nothing-asked", NOTHING_ASKED_IN_TEXT, "scenario")
        decided = SessionOutcome.of([], [nothing])
    return replace(
        decided,
        mode="text",
        not_measured=tuple(not_measured_in_text(scenario, _dict(document.get("persona")))),
    )


def _decide(
    status: str, document: dict[str, Any], judgement: dict[str, Any] | None
) -> SessionOutcome:
    result = _dict(document.get("result"))
    broken = _broken_reason(status, result)
    if broken is not None:
        return SessionOutcome.of([Reason("infrastructure", broken, "call")], [], broke=True)
    if status == "cancelled":
        return SessionOutcome.of(
            [], [Reason("cancelled", "cancelled before the call finished", "call")]
        )
    trust = _dict(result.get("timing_trust"))
    failed = _runner_reasons(result)
    unjudged = [
        Reason(
            "timing-trust" if b.get("note") in (None, NOT_JUDGED) else "no-evidence",
            f"budget {b.get('budget', '?')} {b.get('note') or NOT_JUDGED}",
            f"budget:{b.get('budget', '?')}",
        )
        for b in (_dict(b) for b in result.get("budgets") or [])
        if b.get("judged") is False
    ]
    success = _dict(_dict(document.get("scenario")).get("success"))
    if judgement is None:
        if success.get("checks") or success.get("rubrics"):
            why = f"success checks not judged (no {JUDGEMENT_FILE})"
            unjudged.append(Reason("judge", why, "judgement"))
    else:
        judged_failed, judged_not = _verdict_reasons(judgement)
        if judgement.get("passed") is False and not judgement.get("verdicts"):
            # by hand or another tool
            why = f"{JUDGEMENT_FILE}: did not pass"
            judged_failed = [Reason("unclassified", why, "judgement")]
        failed += judged_failed
        unjudged += judged_not
    if trust.get("trusted", True) is False:
        excused = [r for r in failed if r.timing_derived]
        failed = [r for r in failed if not r.timing_derived]
        unjudged = [*_excused(excused, trust, status), *unjudged]
    if not failed and not unjudged and not _asks_something(document, judgement):
        unjudged.append(Reason("nothing-asked", NOTHING_ASKED, "scenario"))
    return SessionOutcome.of(failed, unjudged)


def outcome_of(directory: Path) -> SessionOutcome:
    """The outcome of the session in `directory`, from its session.json and judgement.json
    (a missing or broken session.json is a broken call; a broken judgement.json, none)."""
    paths = SessionPaths(directory)
    document = read_object_or_none(paths.session) or {}
    status = str(document.get("status") or "unreadable")
    return decide(status, document, read_object_or_none(paths.judgement))


def summary_line(outcomes: list[SessionOutcome], *, most: int = 3) -> str:
    """ "2 passed, 0 failed, 1 inconclusive: task_completion not run: no model configured" """
    counts = {word: sum(o.outcome == word for o in outcomes) for word in OUTCOMES}
    line = ", ".join(f"{counts[word]} {word}" for word in OUTCOMES)
    unjudged = list(
        dict.fromkeys(r for o in outcomes if o.outcome == "inconclusive" for r in o.unjudged)
    )
    if unjudged:
        more = f" (+{len(unjudged) - most} more)" if len(unjudged) > most else ""
        line += ": " + "; ".join(unjudged[:most]) + more
    return line
