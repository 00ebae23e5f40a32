"""What hearing.json says of each transcript turn, for the session's turn list in the report:
the agent's clean speech as transcribed, and each entity missed in the turn with its cause."""

from __future__ import annotations

from .loading import Session


def hearing_by_turn(session: Session) -> dict[int, tuple[str, list[str]]]:
    """Per turn number: the agent's clean speech as transcribed (when the caller misheard it),
    and each entity missed in that turn, in words (hearing.json)."""
    found: dict[int, tuple[str, list[str]]] = {}
    for fact in session.hearing.get("facts") or []:
        if isinstance(fact, dict) and not fact.get("heard") and isinstance(fact.get("turn"), int):
            clean, missed = found.get(fact["turn"], ("", []))
            missed.append(f"agent heard {fact.get('value')} as “{fact.get('heard_as')}”")
            found[fact["turn"]] = (clean, missed)
    for row in session.hearing.get("agent_turns") or []:
        if not isinstance(row, dict) or not isinstance(row.get("turn"), int):
            continue
        missed = [
            f"{entity.get('value')} missed: {entity.get('cause')}"
            for entity in row.get("entities") or []
            if isinstance(entity, dict) and entity.get("cause")
        ]
        clean = str(row.get("heard_clean") or "") if row.get("clean_from") == "audio" else ""
        found[row["turn"]] = (clean, missed)
    return found
