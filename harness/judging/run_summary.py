"""A run's failures and inconclusives grouped by what went wrong, for the first screen of a suite.

A reader of a 17-call run should not open sessions one by one to learn that four failed on
hearing and two on latency. The grouping is read from the structured reason kinds the verdict
records (judging/reasons.py), never from the reasons' wording, so it cannot drift from what
decided the outcome: every failed or inconclusive session appears in the group of each kind it
has a reason of, with the first example to open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .outcome import SessionOutcome
from .reasons import REASON_KINDS, Reason


@dataclass(frozen=True)
class Group:
    """A group of reason kinds as a reader thinks of them: "what kind of thing went wrong"."""

    key: str
    title: str
    kinds: tuple[str, ...]


# In the order a reader should meet them: what the agent did first, then what stopped judging.
GROUPS: tuple[Group, ...] = (
    Group("hearing", "Hearing: misheard words or facts", ("hearing",)),
    Group(
        "reasoning",
        "Reasoning and tool use: wrong tool or arguments, goal not reached",
        ("reasoning", "tool"),
    ),
    Group(
        "turn-taking",
        "Turn-taking: missed barge-ins, takeovers, talking over the caller",
        ("turn-taking",),
    ),
    Group("latency", "Latency: answers slower than the budget", ("latency",)),
    Group("tone", "Tone: how the agent sounded", ("tone",)),
    Group("guardrail", "Guardrails: something the agent must never say", ("guardrail",)),
    Group("judge", "Judge: a rubric failed or could not be judged", ("rubric", "judge")),
    Group("call-limit", "Call limits: the call ran out of time or turns", ("call-limit",)),
    Group(
        "not-judgeable",
        "Not judgeable: no evidence, untrusted timing, nothing asked",
        ("no-evidence", "timing-trust", "nothing-asked"),
    ),
    Group(
        "broken",
        "Broken or unfinished: crashes, cancellations, missing sessions",
        ("infrastructure", "cancelled", "incomplete"),
    ),
    Group("regression", "Regressions against the baseline", ("regression",)),
    Group("other", "Other checks", ("check", "unclassified")),
)
_GROUP_OF_KIND = {kind: group for group in GROUPS for kind in group.kinds}
RUN = "run"  # the session id of a reason about the run as a whole (never started, regressed)


def group_of(kind: str) -> Group:
    """The group a reason kind belongs to (an unknown kind: "other")."""
    return _GROUP_OF_KIND.get(kind if kind in REASON_KINDS else "unclassified", GROUPS[-1])


@dataclass(frozen=True)
class Example:
    """The first reason of a group, and the session to open to see it."""

    session_id: str
    scenario: str
    text: str
    source: str

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "scenario": self.scenario,
            "text": self.text,
            "source": self.source,
        }


@dataclass
class GroupSummary:
    """One group's counts: sessions that failed on it, sessions it left inconclusive."""

    group: Group
    failed: list[str] = field(default_factory=list)  # session ids, in run order
    inconclusive: list[str] = field(default_factory=list)
    reasons: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    scenarios: list[str] = field(default_factory=list)
    first: Example | None = None
    first_failed: bool = False

    def add(self, session_id: str, scenario: str, reason: Reason, failed: bool) -> None:
        """Count one reason; a session that failed on this group is not also inconclusive in it."""
        self.reasons += 1
        self.kinds[reason.kind] = self.kinds.get(reason.kind, 0) + 1
        if failed and session_id in self.inconclusive:
            self.inconclusive.remove(session_id)
        if session_id not in self.failed and (failed or session_id not in self.inconclusive):
            (self.failed if failed else self.inconclusive).append(session_id)
        if scenario and scenario not in self.scenarios:
            self.scenarios.append(scenario)
        if self.first is None or (failed and not self.first_failed):
            self.first = Example(session_id, scenario, reason.text, reason.source)
            self.first_failed = failed

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group.key,
            "title": self.group.title,
            "failed_sessions": len(self.failed),
            "inconclusive_sessions": len(self.inconclusive),
            "reasons": self.reasons,
            "kinds": dict(sorted(self.kinds.items())),
            "scenarios": self.scenarios,
            "sessions": [*self.failed, *self.inconclusive],
            "first_example": self.first.to_json() if self.first else None,
        }


@dataclass(frozen=True)
class SummaryEntry:
    """What the summary reads of one session: who it is and its decided outcome."""

    session_id: str
    scenario: str
    outcome: SessionOutcome


def summarize(entries: list[SummaryEntry], run: SessionOutcome | None = None) -> list[GroupSummary]:
    """Every failure and inconclusive reason of the run, grouped; groups with none are left out.

    A failure is shown first where a group holds both (`first`): it is what gated the run.
    `run` is the run-level part of the verdict (sessions never started, shards missing,
    regressions), listed under the session id "run"."""
    groups = {group.key: GroupSummary(group) for group in GROUPS}
    rows = [*entries, *([SummaryEntry(RUN, "", run)] if run is not None else [])]
    for entry in rows:
        failed_texts = set(entry.outcome.failed)
        for reason in entry.outcome.details:
            summary = groups[group_of(reason.kind).key]
            summary.add(entry.session_id, entry.scenario, reason, reason.text in failed_texts)
    return [summary for summary in groups.values() if summary.reasons]


def summary_json(groups: list[GroupSummary]) -> dict[str, Any]:
    """results.json's `summary`: the groups in reading order (docs/results-schema.md)."""
    return {"groups": [group.to_json() for group in groups]}
