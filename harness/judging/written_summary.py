"""A model-written summary of a run: what went well and what to improve, each point citing the
sessions it rests on.

Only with a judge model configured, and always marked as model-written: the grouping by reason
kinds (run_summary.py) is the deterministic part and decides nothing here. The model sees each
session's outcome and reasons (never audio, never secrets); its answer is validated against a
schema, and a point citing a session the run does not hold is dropped, so every link in the
report leads somewhere. A malformed answer is asked once more, then the summary is left out
with the reason; it never fails the run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import openai

from .llm import LlmJudge, UnusableAnswer
from .verdicts import Usage

logger = logging.getLogger(__name__)
SUMMARY_VERSION = "written-summary/1"
MOST_POINTS = 5
ATTEMPTS = 2

SYSTEM = (
    "You review the results of an automated test run of a voice agent: simulated callers "
    "phoned the agent, and each call was judged by checks, budgets and rubrics. Write a short "
    "summary for a product manager: what went well and what to improve. Every point must cite "
    "the session ids it rests on, exactly as given. Do not invent sessions, figures or causes "
    "the results do not show. At most five points per list, one sentence each."
)

_POINT = {
    "type": "object",
    "properties": {
        "text": {"type": "string"},
        "sessions": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["text", "sessions"],
    "additionalProperties": False,
}
SCHEMA = {
    "type": "json_schema",
    "json_schema": {
        "name": "run_summary",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {
                "went_well": {"type": "array", "items": _POINT},
                "to_improve": {"type": "array", "items": _POINT},
            },
            "required": ["went_well", "to_improve"],
            "additionalProperties": False,
        },
    },
}


@dataclass(frozen=True)
class SessionBrief:
    """What the model reads of one session."""

    session_id: str
    scenario: str
    outcome: str
    reasons: tuple[str, ...] = ()

    def line(self) -> str:
        why = f": {'; '.join(self.reasons)}" if self.reasons else ""
        return f"- {self.session_id} (scenario {self.scenario}): {self.outcome}{why}"


@dataclass(frozen=True)
class Point:
    text: str
    sessions: tuple[str, ...]


@dataclass
class WrittenSummary:
    """The model's summary, or why there is none (`problem`)."""

    model: str
    went_well: list[Point] = field(default_factory=list)
    to_improve: list[Point] = field(default_factory=list)
    problem: str | None = None
    dropped: int = 0  # points left out: they cited no session of this run

    def to_json(self) -> dict[str, Any]:
        def points(items: list[Point]) -> list[dict[str, Any]]:
            return [{"text": p.text, "sessions": list(p.sessions)} for p in items]

        return {
            "schema": "crosstalk.written_summary/1",
            "model_written": True,
            "model": self.model,
            "went_well": points(self.went_well),
            "to_improve": points(self.to_improve),
            "dropped_points": self.dropped,
            "problem": self.problem,
        }


def messages_for(briefs: list[SessionBrief], groups: list[dict[str, Any]]) -> list[dict[str, str]]:
    kinds = "\n".join(
        f"- {g['title']}: {g['failed_sessions']} failed, {g['inconclusive_sessions']} inconclusive"
        for g in groups
    )
    user = (
        "Sessions:\n"
        + "\n".join(b.line() for b in briefs)
        + "\n\nWhat went wrong, grouped by kind:\n"
        + (kinds or "- nothing: every session passed")
        + "\n\nAnswer as JSON: {went_well: [{text, sessions}], to_improve: [{text, sessions}]}."
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]


def parse_points(content: str | None, known: set[str]) -> tuple[list[Point], list[Point], int]:
    """The answer's two lists, keeping only points that cite sessions of this run."""
    try:
        answer = json.loads(content or "")
    except json.JSONDecodeError as exc:
        raise UnusableAnswer(f"the answer is not JSON ({exc.msg})") from None
    if not isinstance(answer, dict) or not all(
        isinstance(answer.get(key), list) for key in ("went_well", "to_improve")
    ):
        raise UnusableAnswer("the answer lacks the lists went_well and to_improve")
    dropped = 0
    lists: list[list[Point]] = [[], []]
    for index, key in enumerate(("went_well", "to_improve")):
        for item in answer[key]:
            text = item.get("text") if isinstance(item, dict) else None
            cited = item.get("sessions") if isinstance(item, dict) else None
            sessions = tuple(s for s in cited or [] if isinstance(s, str) and s in known)
            if not isinstance(text, str) or not text.strip() or not sessions:
                dropped += 1
                continue
            lists[index].append(Point(text.strip(), sessions))
    return lists[0][:MOST_POINTS], lists[1][:MOST_POINTS], dropped


async def write_summary(
    judge: LlmJudge, briefs: list[SessionBrief], groups: list[dict[str, Any]]
) -> tuple[WrittenSummary, Usage]:
    """Ask the judge model for the run's summary; never raises for a model's failure."""
    usage = Usage()
    model = str(judge.settings.model)
    messages = messages_for(briefs, groups)
    known = {b.session_id for b in briefs}
    problem = "no answer"
    for attempt in range(ATTEMPTS):
        try:
            content, key = await judge.ask(
                messages, SCHEMA, usage, version=SUMMARY_VERSION, sample=attempt
            )
            went_well, to_improve, dropped = parse_points(content, known)
        except openai.APIError as exc:
            return WrittenSummary(model, problem=f"the model could not be asked: {exc}"), usage
        except UnusableAnswer as exc:
            problem = str(exc)
            logger.warning("written summary, attempt %d: %s", attempt + 1, problem)
            continue
        judge.cache.put(key, {"content": content})
        return WrittenSummary(model, went_well, to_improve, dropped=dropped), usage
    return WrittenSummary(
        model, problem=f"unusable answer after {ATTEMPTS} tries: {problem}"
    ), usage
