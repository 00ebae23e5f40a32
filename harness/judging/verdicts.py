"""What judges return, and `judgement.json` ("crosstalk.judgement/1") built from it.

A `Verdict` is one judge's answer (a deterministic check, a rubric, sentiment); its `criteria`
carry the evidence. `Judgement.combine` decides the session: any gating verdict (`check` or
`rubric`) that `failed` or ended in `error` fails it; `not_run` never does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

SCHEMA = "crosstalk.judgement/1"
Kind = Literal["check", "rubric", "sentiment"]
Status = Literal["passed", "failed", "not_run", "error"]
GATING_KINDS = ("check", "rubric")


@dataclass(frozen=True)
class Evidence:
    turn: int
    quote: str
    found: bool = True  # false: the quote is not in that turn, or `at_s` is not within it
    at_s: float | None = None  # an audio judge's: when in the call it heard this


@dataclass(frozen=True)
class CriterionResult:
    name: str
    score: float | None
    max_score: float
    passed: bool
    rationale: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Verdict:
    judge: str
    kind: Kind
    status: Status
    score: float | None
    reason: str
    criteria: tuple[CriterionResult, ...] = ()
    reason_kind: str | None = None  # the kind of reason a failure is (judging/reasons.py)
    timing_derived: bool = False  # read from the clock: untrusted timing excuses its failure

    @property
    def gates(self) -> bool:
        return self.kind in GATING_KINDS and self.status in ("failed", "error")

    @classmethod
    def not_run(cls, judge: str, kind: Kind, reason: str) -> Verdict:
        return cls(judge, kind, "not_run", None, reason)

    @classmethod
    def error(cls, judge: str, kind: Kind, reason: str) -> Verdict:
        return cls(judge, kind, "error", None, reason)


@dataclass(frozen=True)
class TurnSentiment:
    turn: int
    compound: float


@dataclass(frozen=True)
class Sentiment:
    turns: tuple[TurnSentiment, ...] = ()
    mean: float | None = None
    trend: float | None = None


@dataclass
class Usage:
    """Tokens and money spent judging; `cost_usd` is None when the model's price is unknown."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    cached_calls: int = 0

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_calls += other.cached_calls
        if self.cost_usd is None or other.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd = round(self.cost_usd + other.cost_usd, 6)


@dataclass(frozen=True)
class Judgement:
    passed: bool
    score: float | None
    verdicts: tuple[Verdict, ...]
    sentiment: Sentiment
    usage: Usage = field(default_factory=Usage)

    @classmethod
    def combine(
        cls, verdicts: list[Verdict], sentiment: Sentiment, usage: Usage | None = None
    ) -> Judgement:
        scored = [
            v.score
            for v in verdicts
            if v.kind in GATING_KINDS and v.status in ("passed", "failed") and v.score is not None
        ]
        score = round(sum(scored) / len(scored), 4) if scored else None
        passed = not any(verdict.gates for verdict in verdicts)
        return cls(passed, score, tuple(verdicts), sentiment, usage or Usage())

    @property
    def failures(self) -> list[str]:
        """One line per gating verdict that did not pass: the session's failure reasons."""
        return [f"{v.judge}: {v.reason}" for v in self.verdicts if v.gates]

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        for verdict in document["verdicts"]:
            for criterion in verdict["criteria"]:
                for evidence in criterion["evidence"]:
                    if evidence["at_s"] is None:  # only an audio judge's evidence has a time
                        del evidence["at_s"]
        return {"schema": SCHEMA, **document}


def judgement_from_json(document: dict[str, Any]) -> Judgement:
    """The inverse of `Judgement.to_json`, for tools that read judgement.json back."""
    verdicts = tuple(
        Verdict(
            judge=v["judge"],
            kind=v["kind"],
            status=v["status"],
            score=v.get("score"),
            reason=v.get("reason", ""),
            criteria=tuple(
                CriterionResult(
                    name=c["name"],
                    score=c.get("score"),
                    max_score=c.get("max_score", 1),
                    passed=bool(c.get("passed")),
                    rationale=c.get("rationale", ""),
                    evidence=tuple(Evidence(**e) for e in c.get("evidence", [])),
                )
                for c in v.get("criteria", [])
            ),
            reason_kind=v.get("reason_kind"),
            timing_derived=bool(v.get("timing_derived", False)),
        )
        for v in document.get("verdicts", [])
    )
    raw_sentiment = document.get("sentiment") or {}
    sentiment = Sentiment(
        turns=tuple(TurnSentiment(**t) for t in raw_sentiment.get("turns", [])),
        mean=raw_sentiment.get("mean"),
        trend=raw_sentiment.get("trend"),
    )
    usage = Usage(**document.get("usage", {}))
    return Judgement(document["passed"], document.get("score"), verdicts, sentiment, usage)
