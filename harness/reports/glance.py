"""The report's first screen: did the agent pass, what failed and why in words (what was said,
what was heard, what was expected), and how fast it answered against the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..judging.checks import misheard_facts
from ..judging.hearing import AGENT_SPEECH
from ..judging.wer import Misheard, misheard_turns
from .loading import Session

MOST_FAILURES = 3  # failures spelled out on the first screen; the rest are linked below


@dataclass
class FailureCard:
    label: str
    anchor: str
    outcome: str
    reasons: list[str]
    misheard: list[Misheard] = field(default_factory=list)


@dataclass(frozen=True)
class LatencyLine:
    """A scenario's response latency as the caller heard it, against its budget if it has one."""

    key: str
    p95_ms: float | None
    budget_ms: float | None
    budget_name: str
    judged: bool = True  # false: the harness fell behind in a call, so budgets were not judged

    @property
    def over(self) -> bool:
        return bool(self.budget_ms and self.p95_ms and self.p95_ms > self.budget_ms)

    @property
    def fill_percent(self) -> float:
        """The bar's length: the p95 against the budget (or the slowest scenario), capped."""
        if not self.p95_ms:
            return 0.0
        return min(100.0, 100.0 * self.p95_ms / (self.budget_ms or self.p95_ms))


def reasons_in_words(session: Session) -> list[str]:
    """Why it did not pass, each once; a check's reason is already a sentence, so its name goes."""
    checks = {
        str(verdict.get("judge"))
        for verdict in (session.judgement or {}).get("verdicts", [])
        if verdict.get("kind") == "check"
    }
    reasons = []
    for reason in session.reasons or [session.status]:
        name, _, rest = reason.partition(": ")
        reasons.append(rest if name in checks and rest else reason)
    return list(dict.fromkeys(reasons))


def failure_cards(views: list[dict[str, Any]]) -> list[FailureCard]:
    return [
        FailureCard(
            label=view["s"].label,
            anchor=view["anchor"],
            outcome=view["s"].outcome,
            reasons=reasons_in_words(view["s"]),
            misheard=misheard_turns(view["s"].turns) if view["s"].outcome == "failed" else [],
        )
        for view in views
        if view["s"].outcome != "passed"
    ]


def hearing_lines(views: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(label, anchor, sentence) per session whose agent missed a fact the caller said, or whose
    own speech said an entity wrong (hearing.json), passed or not: a wrong order number that no
    check asked about is still the first thing to know."""
    lines = []
    for view in views:
        hearing = view["s"].hearing
        missed = [
            f for f in hearing.get("facts") or [] if isinstance(f, dict) and not f.get("heard")
        ]
        if missed:
            lines.append(
                (
                    view["s"].label,
                    view["anchor"],
                    f"the agent heard {misheard_facts(missed, verb='')}",
                )
            )
        spoken = [
            {**entity, "turn": row.get("turn"), "heard_as": entity.get("heard_clean_as")}
            for row in hearing.get("agent_turns") or []
            if isinstance(row, dict)
            for entity in row.get("entities") or []
            if isinstance(entity, dict) and entity.get("cause") == AGENT_SPEECH
        ]
        if spoken:
            said = misheard_facts(spoken, verb="")
            lines.append((view["s"].label, view["anchor"], f"the agent's clean speech said {said}"))
    return lines


def latency_lines(cells: list[dict[str, Any]], sessions: list[Session]) -> list[LatencyLine]:
    unjudged = {
        "/".join(part for part in session.cell if part)
        for session in sessions
        if not session.timing_trusted and session.budgets
    }
    lines = []
    for cell in cells:
        budgets = cell.get("budgets") or {}
        name = next(
            (n for n in ("response_latency_p95_ms", "response_latency_max_ms") if budgets.get(n)),
            "",
        )
        lines.append(
            LatencyLine(
                key=str(cell["key"]),
                p95_ms=(cell.get("response_latency_ms") or {}).get("p95"),
                budget_ms=budgets.get(name) if name else None,
                budget_name=name.removeprefix("response_latency_").removesuffix("_ms"),
                judged=cell["key"] not in unjudged,
            )
        )
    return lines
