"""Timing verdicts: whether a call's timing can be trusted, and its budgets against the probes.

A budget names a summary figure of `probes.json` and a limit in milliseconds. When the figure is
empty, the behaviour it times never happened, and that is evidence too (`_absent`, the table
in docs/results-schema.md): a barge-in the agent talked on over fails the interruption budgets
whatever its limit, as does an agent that never greets, never answers a caller who kept
talking, or never speaks again after yielding; a call with nothing to time (no barge-in, no
caller turn) leaves the budget not judged (inconclusive), never passed.

Every latency is read from a recording the harness paces, so the harness's own health
(`runner.health` measures it) decides first whether the figures are the agent's: beyond the
thresholds below, a session's timing is marked untrustworthy, its timing budgets are not judged,
and a call cut short by a limit is inconclusive rather than the agent's failure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..probes.timing import TimingOptions
from .reasons import Reason

# A frame a whole frame (20 ms) late in more than 1 % of ticks: the recording's timing is off by
# about as much as the smallest step a probe can resolve.
PACING_P99_LIMIT_MS = 20.0
# The event loop routinely wakes 1-2 ms late (timer rounding); 20 ms at p99 means it is
# persistently busy, and one stall of 100 ms shifts an event or a frame by a tenth of a second.
LOOP_LAG_P99_LIMIT_MS = 20.0
LOOP_LAG_MAX_LIMIT_MS = 100.0
# The simulated caller's own processing per reply (hearing + thinking + speaking). The reference
# agent prompts a caller who has not answered after 4 s ("No rush..."): a caller slower than that
# is no longer the persona the scenario describes. Idle, the offline caller takes about 0.5 s.
CALLER_LAG_MAX_S = 4.0
# A speech model that needs more than a second to process a second of audio cannot keep up with
# a live call on any machine; when the agent's models share this machine, it fell behind.
AGENT_REAL_TIME_FACTOR_LIMIT = 1.0
NOT_JUDGED = "not judged: timing untrustworthy"
MISSED_AFTER_S = TimingOptions().missed_after_s


@dataclass(frozen=True)
class BudgetFigure:
    """A budget's registry entry: the summary figure it reads (`entry`, and `field` within it,
    or None for a plain number) from probes.json or hearing.json, the kind of reason a miss is,
    whether it is timing-derived (untrusted timing excuses it; the hearing budgets are not),
    whether the limit is a floor (`minimum`) rather than a ceiling, and its unit."""

    entry: str
    field: str | None
    kind: str = "latency"
    timing_derived: bool = True
    minimum: bool = False
    unit: str = "ms"  # how the figure and its limit read in a reason ("": a plain number)


BUDGET_FIGURES: dict[str, BudgetFigure] = {
    "greeting_latency_ms": BudgetFigure("greeting_latency_ms", None),
    "response_latency_p50_ms": BudgetFigure("response_latency", "p50_ms"),
    "response_latency_p95_ms": BudgetFigure("response_latency", "p95_ms"),
    "response_latency_max_ms": BudgetFigure("response_latency", "max_ms"),
    "interruption_stop_p95_ms": BudgetFigure("interruption_stop_latency", "p95_ms", "turn-taking"),
    "interruption_stop_max_ms": BudgetFigure("interruption_stop_latency", "max_ms", "turn-taking"),
    "interruption_recovery_p95_ms": BudgetFigure("interruption_recovery", "p95_ms", "turn-taking"),
    # a share of the caller's turns with a planned pause (probes/pauses.py), not milliseconds
    "takeover_rate_max": BudgetFigure("takeover_rate", None, "turn-taking", unit=""),
    # hearing.json: what the agent heard of the caller and what its speech says, not the clock
    "entity_recall_min": BudgetFigure("entity_recall", None, "hearing", False, True, ""),
    "agent_wer_max": BudgetFigure("agent_wer", None, "hearing", False, unit=""),
    "agent_speech_wer_max": BudgetFigure("agent_speech_wer", None, "hearing", False, unit=""),
}
_HEARING_ABSENT = {
    "entity_recall": "no persona fact was said, or the agent's hearing was not logged",
    "agent_wer": "the agent's hearing of the caller was not logged (a remote agent?)",
    "agent_speech_wer": "no agent turn's clean speech could be transcribed",
}


def timing_derived(budget: str) -> bool:
    """Whether a budget reads the clock (untrusted timing, or no probes, leaves it unjudged)."""
    return BUDGET_FIGURES[budget].timing_derived


@dataclass(frozen=True)
class BudgetCheck:
    budget: str
    limit_ms: float
    measured_ms: float | None
    passed: bool | None  # None: nothing to time, so not judged (`note` says why)
    note: str | None = None  # the verdict's reason when it does not come from the figure alone

    def reason(self) -> str:
        if self.note is not None:
            return f"{self.budget}: {self.note}"
        figure = BUDGET_FIGURES[self.budget]
        unit = f" {figure.unit}" if figure.unit else ""
        how = "is under its floor of" if figure.minimum else "exceeds its budget of"
        return f"{self.budget} {self.measured_ms}{unit} {how} {self.limit_ms}{unit}"

    def structured_reason(self) -> Reason:
        figure = BUDGET_FIGURES[self.budget]
        return Reason(figure.kind, self.reason(), f"budget:{self.budget}", figure.timing_derived)


def _guessed(summary: dict[str, Any]) -> str:
    if summary.get("barge_in_intent") == "guess":
        return " (barge-ins told from backchannels by their length: no caller plan)"
    return ""


def _absent(budget: str, summary: dict[str, Any]) -> tuple[bool | None, str] | None:
    """The verdict a budget's evidence gives beyond its figure: (passed, why); None: the figure
    alone decides. What each budget concludes is documented in docs/results-schema.md."""
    entry, field = BUDGET_FIGURES[budget].entry, BUDGET_FIGURES[budget].field
    figure = summary.get(entry)
    measured = figure if not isinstance(figure, dict) else figure.get(field)
    if entry == "interruption_stop_latency":
        missed, meant = summary.get("missed_barge_ins") or 0, summary.get("barge_ins") or 0
        if missed:
            return False, (
                f"the agent talked on over {missed} of {meant} barge-ins (more than "
                f"{MISSED_AFTER_S:g} s): a barge-in never yielded to is over any limit"
                + _guessed(summary)
            )
        if measured is None:
            return None, "not judged: no barge-in to time (the caller never barged in)"
    if entry == "interruption_recovery":
        unrecovered = summary.get("unrecovered_barge_ins") or 0
        if unrecovered:
            return False, (
                f"after {unrecovered} barge-in(s) the agent stopped, the caller spoke again, "
                "and the agent never spoke again"
            )
        if measured is None:
            return None, "not judged: no recovery to time (no barge-in the agent yielded to)"
    if measured is not None:
        return None
    if entry in _HEARING_ABSENT:
        return None, f"not judged: {_HEARING_ABSENT[entry]}"
    if entry == "takeover_rate":
        return None, "not judged: no caller turn with a planned pause (nothing to take over)"
    if entry == "greeting_latency_ms":
        if not (summary.get("segments") or {}).get("agent"):
            return False, "the agent never spoke, so it never greeted"
        return False, "the agent did not greet: the caller spoke first"
    if entry == "response_latency":
        # one stretch of caller speech may be its last words before hanging up; two unanswered
        # mean the caller went on waiting for a reply that never came
        spoke = (summary.get("segments") or {}).get("caller") or 0
        if spoke >= 2:
            return False, f"the caller spoke {spoke} times and the agent answered none"
        return None, "not judged: no reply to time (the caller spoke less than twice)"
    return None


def check_budgets(budgets: dict[str, float], summary: dict[str, Any]) -> list[BudgetCheck]:
    checks = []
    for budget, limit in budgets.items():
        figure = BUDGET_FIGURES[budget]
        entry, field = figure.entry, figure.field
        value = summary.get(entry)
        measured = value.get(field) if field and isinstance(value, dict) else value
        absent = _absent(budget, summary)
        if absent is not None:
            checks.append(BudgetCheck(budget, limit, measured, absent[0], absent[1]))
        else:
            met = measured >= limit if figure.minimum else measured <= limit
            checks.append(BudgetCheck(budget, limit, measured, met))
    return checks


@dataclass(frozen=True)
class TimingTrust:
    """Whether a session's timing reflects the agent, and if not, why not."""

    trusted: bool
    reasons: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"trusted": self.trusted, "reasons": list(self.reasons)}


def assess_timing(
    pacing: dict[str, Any],
    loop_lag: dict[str, Any],
    lag: dict[str, Any] | None = None,
    agent_lag: dict[str, Any] | None = None,
) -> TimingTrust:
    """Untrusted when frame pacing, the event loop, the simulated caller's processing (not its
    deliberate waits) or the local agent's speech models fell behind beyond the thresholds."""
    limits = (
        ("frame pacing p99", pacing.get("p99_ms"), PACING_P99_LIMIT_MS),
        ("event-loop lag p99", loop_lag.get("p99_ms"), LOOP_LAG_P99_LIMIT_MS),
        ("event-loop lag max", loop_lag.get("max_ms"), LOOP_LAG_MAX_LIMIT_MS),
    )
    reasons = [
        f"{name} {measured:.1f} ms > {limit:.0f} ms: the harness fell behind"
        for name, measured, limit in limits
        if measured is not None and measured > limit
    ]
    slowest = (lag or {}).get("max_s")
    if slowest is not None and slowest > CALLER_LAG_MAX_S:
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in (lag or {}).get("worst", {}).items())
        reasons.append(
            f"simulated caller lag max {slowest:.1f} s > {CALLER_LAG_MAX_S:.0f} s ({parts}): "
            "the caller fell behind"
        )
    for model, figures in (agent_lag or {}).items():
        factor = figures.get("real_time_factor") if isinstance(figures, dict) else None
        if isinstance(factor, int | float) and factor > AGENT_REAL_TIME_FACTOR_LIMIT:
            reasons.append(
                f"agent {model} {factor:.2f} s per second of audio > "
                f"{AGENT_REAL_TIME_FACTOR_LIMIT:.0f}: the agent side fell behind real time"
            )
    return TimingTrust(trusted=not reasons, reasons=tuple(reasons))


def judge_budgets(
    checks: list[BudgetCheck], trust: TimingTrust
) -> tuple[list[dict[str, Any]], list[Reason]]:
    """Budget checks for session.json and the failures they cause; untrusted timing leaves the
    timing-derived ones unjudged (the hearing budgets stand: they do not read the clock).

    A check with nothing to time is recorded `judged: false` with its note (inconclusive)."""
    budgets, failures = [], []
    for check in checks:
        excused = not trust.trusted and timing_derived(check.budget)
        row = {**asdict(check), "judged": not excused and check.passed is not None}
        budgets.append({**row, "note": NOT_JUDGED} if excused else row)
        if not excused and check.passed is False:
            failures.append(check.structured_reason())
    return budgets, failures
