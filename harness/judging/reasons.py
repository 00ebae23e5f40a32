"""Why a session or a run did not pass, as data: a `Reason` is a kind, a sentence and a source.

The kind is one enum (docs/results-schema.md, "Reason kinds"), so reports and summaries group
reasons without parsing their text. Each check and budget declares the kind of its failure in its
registry entry, and whether it is timing-derived (only those are excused by untrusted timing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

ReasonKind = Literal[
    # what the agent did (a failure)
    "hearing",  # what the caller heard of the agent, or the agent of the caller
    "reasoning",  # what the agent said or achieved: a required answer, the caller's goal
    "tool",  # a tool call made or not made, the state it left
    "turn-taking",  # barge-ins, interruptions, hanging up on the caller
    "latency",  # how long the agent took
    "guardrail",  # something the agent must never say (forbidden text, personal data)
    "rubric",  # an LLM judge's rubric found the call lacking
    "tone",  # how the agent sounded, from the recording: rate, pitch, level, the caller's arousal
    "check",  # a user's own check that declares no kind
    "call-limit",  # the call reached max_duration_s or max_turns
    # why something could not be judged, or the run did not complete (inconclusive or broken)
    "judge",  # the judge could not answer: no model, an error, a check that crashed
    "no-evidence",  # a check could not apply: what it reads is absent
    "timing-trust",  # the harness fell behind: timing-derived verdicts are no evidence
    "nothing-asked",  # the scenario asks for nothing (no checks, rubrics or budgets)
    "infrastructure",  # a call crashed, a worker died, a file is unreadable
    "cancelled",  # the run or the call was stopped (Ctrl-C, SIGTERM)
    "incomplete",  # sessions never started, shards missing, the run never finished
    "margin",  # a robustness margin missed its requirement, or a sweep could not place it
    "regression",  # a figure got worse than the baseline's beyond noise, or a cell went missing
    "unclassified",  # a reason from a file written before kinds existed, or by hand
]
REASON_KINDS: tuple[str, ...] = get_args(ReasonKind)


@dataclass(frozen=True)
class Reason:
    """One reason: `kind` (REASON_KINDS), the sentence shown to people, and where it came from
    (`budget:<name>`, `check:<name>`, `rubric:<name>`, `call`, `scenario`, `run`)."""

    kind: str
    text: str
    source: str
    timing_derived: bool = False  # a verdict read from the clock: untrusted timing excuses it

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "text": self.text, "source": self.source}

    def session_json(self) -> dict[str, Any]:
        """As session.json's `result.reasons` keeps it (with whether it is timing-derived)."""
        return {**self.to_json(), "timing_derived": self.timing_derived}

    @classmethod
    def from_json(cls, item: Any) -> Reason | None:
        if not isinstance(item, dict) or not item.get("text"):
            return None
        kind = str(item.get("kind") or "unclassified")
        return cls(
            kind if kind in REASON_KINDS else "unclassified",
            str(item["text"]),
            str(item.get("source") or "call"),
            bool(item.get("timing_derived")),
        )
