"""What each side heard of the other, fact by fact: the agent's entity recall and word error rate
on the caller's turns, and the agent's speech fidelity (what it meant, what the caller heard,
what its clean audio says) on its own turns.

Entity recall: every persona `facts` value a caller turn said, found or missed in the agent's
own transcription of that turn (`heard_as`: livekit's transcription events of the agent's side,
so any agent hosted in-process counts), with the misheard form. Speech fidelity: each entity an
agent turn meant to say (a persona fact or a number) that the caller missed is classed by the
agent's clean audio, transcribed after the call with the caller's own transcriber: still wrong
there, it is *agent speech* (the text-to-speech said it wrong, or so that no transcriber gets
it); right there, it is *line/harness hearing* (the line or the caller's own STT lost it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from ..rundir.models import Turn
from .entities import EntityHeard, entity_heard, numbers_in
from .wer import edit_distance, normalise

AGENT_SPEECH = "agent speech"
LINE_HEARING = "line/harness hearing"


@dataclass(frozen=True)
class FactHeard:
    """A persona fact a caller turn said, as the agent heard it."""

    turn: int
    fact: str  # the persona's key ("order number")
    value: str
    heard: bool
    heard_as: str  # the span the agent heard in its place ("" when it heard nothing there)


def agent_heard_facts(turns: Sequence[Turn], facts: dict[str, str]) -> list[FactHeard] | None:
    """Each fact each caller turn said, found or missed in the agent's transcription of it.

    None when the agent's hearing was not logged for any caller turn (a remote agent): no
    evidence. A turn with no transcription at all missed every fact it said."""
    spoken = [turn for turn in turns if turn.speaker == "caller" and not turn.backchannel]
    if not any(turn.heard_as for turn in spoken):
        return None
    found = []
    for turn in spoken:
        for key, value in facts.items():
            heard = entity_heard(turn.text, turn.heard_as or "", str(value))
            if heard is not None:
                found.append(FactHeard(turn.number, key, heard.value, heard.heard, heard.heard_as))
    return found


def corpus_wer(pairs: Sequence[tuple[str, str]]) -> float | None:
    """Word error rate over (said, heard) pairs: all edits over all said words; None if no pair."""
    if not pairs:
        return None
    errors = words = 0
    for said, heard in pairs:
        reference = normalise(said)
        errors += edit_distance(reference, normalise(heard))
        words += len(reference)
    return round(errors / words, 4) if words else 0.0


def agent_wer(turns: Sequence[Turn]) -> float | None:
    """How the agent heard the caller's words (None when its hearing was not logged)."""
    spoken = [t for t in turns if t.speaker == "caller" and not t.backchannel and t.text]
    if not any(turn.heard_as for turn in spoken):
        return None
    return corpus_wer([(turn.text, turn.heard_as or "") for turn in spoken])


@dataclass(frozen=True)
class SpokenEntity:
    """An entity an agent turn meant to say, as the caller heard it and as its clean audio says."""

    value: str
    heard_by_caller: bool
    heard_as: str
    heard_clean: bool | None  # None: the clean audio was not transcribed
    heard_clean_as: str | None
    cause: str | None  # None when the caller heard it; AGENT_SPEECH or LINE_HEARING; or unknown


def spoken_entities(
    intended: str, heard_by_caller: str, heard_clean: str | None, facts: dict[str, str]
) -> list[SpokenEntity]:
    """The facts and numbers `intended` says, each classified: heard, or why it was missed."""
    values = [str(value) for value in facts.values()] + numbers_in(intended)
    found: list[SpokenEntity] = []
    seen: set[tuple[str, ...]] = set()
    for value in values:
        caller = entity_heard(intended, heard_by_caller, value)
        if caller is None or tuple(normalise(value)) in seen:
            continue
        seen.add(tuple(normalise(value)))
        clean: EntityHeard | None = None
        if heard_clean is not None:
            clean = entity_heard(intended, heard_clean, value)
        cause = None
        if not caller.heard:
            cause = (
                "unknown" if clean is None else AGENT_SPEECH if not clean.heard else LINE_HEARING
            )
        found.append(
            SpokenEntity(
                value,
                caller.heard,
                caller.heard_as,
                None if clean is None else clean.heard,
                None if clean is None else clean.heard_as,
                cause,
            )
        )
    return found


# what the clean audio of an agent turn says: (turn) -> text, or None when it cannot be known
CleanHearing = Callable[[Turn], str | None]


def speech_fidelity(
    turns: Sequence[Turn], facts: dict[str, str], clean: CleanHearing
) -> list[dict[str, Any]]:
    """Per agent turn: intended, heard by the caller, heard clean, and its entities classified.

    `clean` is asked only for turns the caller did not hear word for word: one heard exactly
    evidently said its words (`clean_from: "heard exactly"`)."""
    rows = []
    for turn in turns:
        if turn.speaker != "agent" or not turn.text or turn.heard_as is None:
            continue
        heard = turn.heard_as
        exact = not edit_distance(normalise(turn.text), normalise(heard))
        heard_clean = heard if exact else clean(turn)
        entities = spoken_entities(turn.text, heard, heard_clean, facts)
        rows.append(
            {
                "turn": turn.number,
                "intended": turn.text,
                "heard_by_caller": heard,
                "heard_clean": heard_clean,
                "clean_from": "heard exactly"
                if exact
                else None
                if heard_clean is None
                else "audio",
                "caller_wer": corpus_wer([(turn.text, heard)]),
                "clean_wer": None
                if heard_clean is None
                else corpus_wer([(turn.text, heard_clean)]),
                "entities": [asdict(entity) for entity in entities],
            }
        )
    return rows


def hearing_summary(
    facts_heard: list[FactHeard] | None, fidelity: list[dict[str, Any]], wer: float | None
) -> dict[str, Any]:
    """The figures budgets and reports read: recall, WERs and missed entities by cause."""
    said = len(facts_heard or [])
    heard = sum(fact.heard for fact in facts_heard or [])
    clean = [
        (row["intended"], row["heard_clean"]) for row in fidelity if row["heard_clean"] is not None
    ]
    causes = [e["cause"] for row in fidelity for e in row["entities"] if e["cause"]]
    return {
        "entity_recall": round(heard / said, 4) if said else None,
        "entities_said": said,
        "entities_missed": said - heard,
        "agent_wer": wer,
        "agent_speech_wer": corpus_wer(clean),
        "caller_heard_wer": corpus_wer(
            [(row["intended"], row["heard_by_caller"]) for row in fidelity]
        ),
        "agent_speech_errors": causes.count(AGENT_SPEECH),
        "line_errors": causes.count(LINE_HEARING),
    }
