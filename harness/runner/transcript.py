"""The call's transcript: who said what and when (as heard), built from events and played spans.

Each side's words come from its own conversation (what it meant to say); the times come from the
link (when the other side heard it); `heard_as` is what the other side's speech-to-text made of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..transport import ROLES, Role, SpeechSpan


@dataclass(frozen=True)
class Turn:
    speaker: Role
    text: str
    start_s: float | None
    end_s: float | None
    interrupted: bool
    heard_as: str | None


def _said(records: list[dict[str, Any]], side: Role, role: str) -> list[tuple[float, str, bool]]:
    lines = []
    for record in records:
        item = record["data"].get("item", {})
        if (
            record["side"] == side
            and record["type"] == "conversation_item_added"
            and item.get("role") == role
        ):
            text = " ".join(
                part for part in item.get("content", []) if isinstance(part, str)
            ).strip()
            lines.append((record["t"], text, bool(item.get("interrupted", False))))
    return lines


def _pair_with_spans(
    said: list[tuple[float, str, bool]], spans: list[SpeechSpan]
) -> list[SpeechSpan | None]:
    """Match each line to the first unused span that began before the line was logged."""
    paired: list[SpeechSpan | None] = []
    next_span = 0
    for logged_at, text, _ in said:
        if text and next_span < len(spans) and spans[next_span].start_s <= logged_at + 0.1:
            paired.append(spans[next_span])
            next_span += 1
        else:
            paired.append(None)
    return paired


def build_turns(records: list[dict[str, Any]], spans: dict[Role, list[SpeechSpan]]) -> list[Turn]:
    turns: list[Turn] = []
    for side in ROLES:
        listener: Role = "agent" if side == "caller" else "caller"
        said = _said(records, side, "assistant")
        heard = _said(records, listener, "user")
        paired = _pair_with_spans(said, spans[side])
        starts = [span.start_s for span in paired if span is not None] + [float("inf")]
        for (_, text, interrupted), span in zip(said, paired, strict=True):
            heard_as = None
            if span is not None:
                window_end = next(start for start in starts if start > span.start_s)
                heard_as = (
                    " ".join(t for at, t, _ in heard if span.start_s <= at < window_end) or None
                )
            turns.append(
                Turn(
                    speaker=side,
                    text=text,
                    start_s=round(span.start_s, 3) if span else None,
                    end_s=round(span.end_s, 3) if span else None,
                    interrupted=interrupted or bool(span and span.interrupted),
                    heard_as=heard_as,
                )
            )
    turns.sort(key=lambda turn: (turn.start_s is None, turn.start_s or 0.0))
    return turns


def transcript_document(turns: list[Turn]) -> dict[str, Any]:
    return {"turns": [asdict(turn) for turn in turns]}
