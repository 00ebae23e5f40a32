"""Twins that explain a failure: each audio session beside its text twin (`--mode both`).

The text twin runs the same scenario, persona, agent and `success:` with the audio path
replaced by text turns. So an audio failure is attributed by what its twin did:

- the twin fails too: the agent's reasoning, tools or policy ("reasoning"), whatever the audio;
- the twin passes: what only audio adds -- "turn-taking" when a timing budget or a barge-in
  failed (the budget, the measured figure), "hearing" when a hearing budget failed
  (`entity_recall_min`, ...) or a turn was misheard (the fact as said and as heard), else
  "speech" (audio failed with nothing late or misheard).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .budgets import BUDGET_FIGURES
from .modes import mode_of
from .outcome import SessionOutcome
from .wer import misheard_turns

REASONING, HEARING, TURN_TAKING, SPEECH = "reasoning", "hearing", "turn-taking", "speech"


@dataclass(frozen=True)
class TwinSide:
    """What attribution reads of one session: its outcome, transcript turns and result."""

    session_id: str
    document: dict[str, Any]
    outcome: SessionOutcome
    turns: list[dict[str, Any]] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int]:
        document = self.document
        scenario = str(document.get("scenario_name") or "?")
        return scenario, str(document.get("variant") or ""), int(document.get("repeat") or 0)


def _kind(budget: dict[str, Any]) -> str:
    figure = BUDGET_FIGURES.get(str(budget.get("budget")))
    return figure.kind if figure else "latency"


def _audio_evidence(audio: TwinSide) -> tuple[str, list[str]]:
    """What failed in audio only: a budget or a barge-in (turn-taking) before a misheard turn
    (hearing), since a misheard word costs nothing unless a check then failed on it."""
    result = audio.document.get("result") or {}
    missed = [b for b in result.get("budgets") or [] if b.get("judged") and not b.get("passed")]
    late = [b for b in missed if _kind(b) != "hearing"]
    if late:
        return TURN_TAKING, [
            f"budget {b['budget']}: {b.get('measured_ms')} ms over its {b.get('limit_ms')} ms"
            for b in late
        ]
    barged = [reason for reason in audio.outcome.failed if "interrupt" in reason.lower()]
    if barged:
        return TURN_TAKING, barged
    misheard_budgets = [b for b in missed if _kind(b) == "hearing"]
    if misheard_budgets:
        return HEARING, [
            f"budget {b['budget']}: {b.get('measured_ms')} against its limit of {b.get('limit_ms')}"
            for b in misheard_budgets
        ]
    # the values a failed check names ("expected '12 Baker Street'"): a turn that lost one
    # is the mishearing that mattered, however small
    facts = [value for line in audio.outcome.failed for value in re.findall(r"'([^']+)'", line)]
    misheard = misheard_turns(audio.turns, facts=facts)
    if misheard:
        return HEARING, [
            f"turn {m.turn}: the {m.speaker} said “{m.said}”, the {m.listener} heard “{m.heard}”"
            for m in misheard
        ]
    return SPEECH, list(audio.outcome.failed)


def attribute(audio: TwinSide, text: TwinSide) -> dict[str, Any]:
    """Why the audio session failed, judged by its text twin (its entry in results.json)."""
    entry: dict[str, Any] = {
        "scenario": audio.key[0],
        "variant": audio.key[1],
        "repeat": audio.key[2],
        "audio": {"session_id": audio.session_id, "outcome": audio.outcome.outcome},
        "text": {"session_id": text.session_id, "outcome": text.outcome.outcome},
        "attribution": None,
        "evidence": [],
    }
    if audio.outcome.outcome != "failed":
        return entry
    if text.outcome.outcome == "failed":
        entry |= {"attribution": REASONING, "evidence": list(text.outcome.failed)}
    elif text.outcome.outcome == "passed":
        cause, evidence = _audio_evidence(audio)
        entry |= {"attribution": cause, "evidence": evidence}
    return entry


def pair_twins(sides: list[TwinSide]) -> list[dict[str, Any]]:
    """Every audio session that has a text twin, with its attribution, in run order."""
    texts = {side.key: side for side in sides if mode_of(side.document) == "text"}
    return [
        attribute(side, texts[side.key])
        for side in sides
        if mode_of(side.document) == "audio" and side.key in texts
    ]
