"""The call's transcript: who said what and when (as heard), built from the audio and stable ids.

Each side's words come from its own conversation (what it meant to say); the times come from the
link: every played span carries the id of the livekit speech that produced it, and `speech_done`
events name the conversation items of each speech, so a line is tied to its own audio whatever
order things were logged in. A speech with no item is a backchannel (said with
`add_to_chat_ctx=False`) and becomes a turn marked as such.

`heard_as` is what the listener's speech-to-text made of a span: each final transcript the
listener logged is filed under the span its audio came from, however late it arrived. Its audio
is one of the listener's voice-activity stretches (`user_state_changed`) that had ended by then;
recognition runs one stretch after another, so transcripts and stretches are matched in order,
each with the least lag (stretches a recogniser found empty are skipped).

A remote agent (LiveKit room, phone) has no local session: its turns are what the caller heard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..rundir.models import Turn
from ..transport import ROLES, Role, SpeechSpan

_LOG_SLACK_S = 0.1  # an item is logged just after its span ended (events share one loop)
_UNPLACED_S = 60.0  # the cost of leaving a transcript off every voice stretch


@dataclass(frozen=True)
class _Line:
    """An item a side said (assistant) or heard (user), as logged."""

    logged_s: float
    item_id: str | None
    text: str
    interrupted: bool
    spoken: tuple[float, float] | None  # the speech's audio, on the session clock, if stamped


@dataclass
class _Placed:
    speaker: Role
    text: str
    span: SpeechSpan | None
    interrupted: bool
    backchannel: bool = False
    heard: list[str] = field(default_factory=list)


def _wall_offset(records: list[dict[str, Any]]) -> float | None:
    for record in records:
        if record["type"] == "call_started":
            offset = record["data"].get("wall_clock_at_zero")
            return float(offset) if isinstance(offset, int | float) else None
    return None


def _lines(
    records: list[dict[str, Any]], side: Role, role: str, wall_offset: float | None
) -> list[_Line]:
    lines = []
    for record in records:
        item = record["data"].get("item", {})
        if not (
            record["side"] == side
            and record["type"] == "conversation_item_added"
            and item.get("role") == role
        ):
            continue
        text = " ".join(part for part in item.get("content", []) if isinstance(part, str)).strip()
        metrics = item.get("metrics") or {}
        start, stop = metrics.get("started_speaking_at"), metrics.get("stopped_speaking_at")
        spoken = None
        if wall_offset is not None and isinstance(start, int | float):
            end = stop if isinstance(stop, int | float) and stop >= start else start
            spoken = (start - wall_offset, end - wall_offset)
        lines.append(
            _Line(record["t"], item.get("id"), text, bool(item.get("interrupted")), spoken)
        )
    return lines


def _speech_of_items(records: list[dict[str, Any]], side: Role) -> dict[str, str]:
    found: dict[str, str] = {}
    for record in records:
        if record["side"] == side and record["type"] == "speech_done":
            for item_id in record["data"].get("item_ids") or []:
                if item_id:
                    found[item_id] = record["data"]["speech_id"]
    return found


def _backchannel_phrases(records: list[dict[str, Any]]) -> dict[str, str]:
    return {
        record["data"]["speech_id"]: str(record["data"].get("phrase", ""))
        for record in records
        if record["type"] == "caller_backchannel" and record["data"].get("speech_id")
    }


def _merge(spans: list[SpeechSpan]) -> SpeechSpan:
    """One speech's spans (a pause can split it) as one stretch."""
    return SpeechSpan(
        min(s.start_s for s in spans),
        max(s.end_s for s in spans),
        any(s.interrupted for s in spans),
        spans[0].speech_id,
    )


def _place_side(
    records: list[dict[str, Any]], side: Role, spans: list[SpeechSpan], wall: float | None
) -> list[_Placed]:
    """Each line of `side` with the span its own speech played, then the backchannels."""
    speech_of = _speech_of_items(records, side)
    by_speech: dict[str, list[SpeechSpan]] = {}
    for span in spans:
        if span.speech_id is not None:
            by_speech.setdefault(span.speech_id, []).append(span)
    unlabelled = [span for span in spans if span.speech_id is None]
    placed: list[_Placed] = []
    for line in _lines(records, side, "assistant", wall):
        speech = speech_of.get(line.item_id or "")
        own = by_speech.pop(speech, None) if speech else None
        if own:
            span: SpeechSpan | None = _merge(own)
        else:  # no id to go by: the latest unclaimed span begun by the time it was logged
            ended = [s for s in unlabelled if s.start_s <= line.logged_s + _LOG_SLACK_S]
            span = ended[-1] if ended and line.text else None
            if span is not None:
                unlabelled.remove(span)
        placed.append(_Placed(side, line.text, span, line.interrupted))
    if side == "caller":
        for speech, phrase in _backchannel_phrases(records).items():
            if speech in by_speech:
                span = _merge(by_speech.pop(speech))
                placed.append(_Placed(side, phrase, span, span.interrupted, backchannel=True))
    return placed


def _voice_stretches(records: list[dict[str, Any]], listener: Role) -> list[tuple[float, float]]:
    """When the listener's voice-activity detector heard speech, on the session clock."""
    stretches, began = [], None
    for record in records:
        if record["side"] != listener or record["type"] != "user_state_changed":
            continue
        state = record["data"].get("new_state")
        if state == "speaking" and began is None:
            began = record["t"]
        elif state != "speaking" and began is not None:
            stretches.append((began, record["t"]))
            began = None
    return stretches


def _finals(records: list[dict[str, Any]], listener: Role) -> list[_Line]:
    """The listener's final transcripts, each placed on the voice stretch it transcribed."""
    finals = [
        (record["t"], str(record["data"].get("transcript") or "").strip())
        for record in records
        if record["side"] == listener
        and record["type"] == "user_input_transcribed"
        and record["data"].get("is_final")
    ]
    finals = [(t, text) for t, text in finals if text]
    placed = _align_in_order([t for t, _ in finals], _voice_stretches(records, listener))
    return [
        _Line(t, None, text, False, stretch)
        for (t, text), stretch in zip(finals, placed, strict=True)
    ]


def _align_in_order(
    times: list[float], stretches: list[tuple[float, float]]
) -> list[tuple[float, float] | None]:
    """Stretch per transcript: in order, ended before it was logged, least total lag.

    Dynamic programming over (transcripts, stretches); a transcript with no possible stretch
    costs `_UNPLACED_S` and keeps None (it is then filed by its log time).
    """
    rows, n = len(times), len(stretches)
    # best[i][j]: least cost of the first i transcripts on stretches among the first j
    best = [[i * _UNPLACED_S] + [0.0] * n for i in range(rows + 1)]
    move: list[list[str]] = [[""] * (n + 1) for _ in range(rows + 1)]
    for i in range(rows + 1):
        for j in range(1, n + 1):
            options = [(best[i][j - 1], "skip_stretch")]
            if i:
                options.append((best[i - 1][j] + _UNPLACED_S, "unplaced"))
                end = stretches[j - 1][1]
                if end <= times[i - 1] + _LOG_SLACK_S:
                    options.append((best[i - 1][j - 1] + times[i - 1] - end, "placed"))
            best[i][j], move[i][j] = min(options)
    result: list[tuple[float, float] | None] = [None] * rows
    i, j = rows, n
    while i and j:
        if move[i][j] == "placed":
            result[i - 1] = stretches[j - 1]
            i, j = i - 1, j - 1
        elif move[i][j] == "unplaced":
            i -= 1
        else:
            j -= 1
    return result


def _overlap(a: tuple[float, float], span: SpeechSpan) -> float:
    return min(a[1], span.end_s) - max(a[0], span.start_s)


def _file_heard(placed: list[_Placed], heard: list[_Line]) -> None:
    """Each transcript the listener logged goes to the span its audio came from."""
    timed = [p for p in placed if p.span is not None]
    for line in heard:
        if not line.text:
            continue
        target = None
        if line.spoken is not None:
            # VAD stamps can trail or lead the audio a little: the best overlap, within 0.5 s
            window = (line.spoken[0] - 0.5, line.spoken[1] + 0.5)
            scored = [(p, _overlap(line.spoken, p.span) if p.span else 0.0) for p in timed]
            near = [(p, score) for p, score in scored if p.span and _overlap(window, p.span) > 0]
            if near:
                target = max(near, key=lambda pair: pair[1])[0]
        else:  # no audio stamps: the last span that had started when it was logged
            started = [p for p in timed if p.span and p.span.start_s <= line.logged_s]
            target = max(started, key=lambda p: p.span.start_s if p.span else 0.0, default=None)
        if target is not None:
            target.heard.append(line.text)


def _remote_agent_turns(records: list[dict[str, Any]], wall: float | None) -> list[_Placed]:
    """A remote agent's turns: what the caller heard it say, at the times the caller heard it."""
    placed = []
    for line in _lines(records, "caller", "user", wall):
        if line.text:
            span = SpeechSpan(*line.spoken, False) if line.spoken else None
            placed.append(_Placed("agent", line.text, span, False, heard=[line.text]))
    return placed


def build_turns(
    records: list[dict[str, Any]],
    spans: dict[Role, list[SpeechSpan]],
    *,
    agent_is_remote: bool = False,
) -> list[Turn]:
    wall = _wall_offset(records)
    placed: list[_Placed] = []
    for side in ROLES:
        if side == "agent" and agent_is_remote:
            placed += _remote_agent_turns(records, wall)
            continue
        listener: Role = "agent" if side == "caller" else "caller"
        own = _place_side(records, side, spans[side], wall)
        if not (side == "caller" and agent_is_remote):
            # final transcripts when the listener logged them (an agent that stops its own
            # reply adds no user item); else its user items, stamped with speaking times
            heard = _finals(records, listener) or _lines(records, listener, "user", wall)
            _file_heard(own, heard)
        placed += own
    turns = [
        Turn(
            speaker=p.speaker,
            text=p.text,
            start_s=round(p.span.start_s, 3) if p.span else None,
            end_s=round(p.span.end_s, 3) if p.span else None,
            interrupted=p.interrupted or bool(p.span and p.span.interrupted),
            heard_as=" ".join(p.heard) or None,
            backchannel=p.backchannel,
        )
        for p in placed
    ]
    turns.sort(key=lambda turn: (turn.start_s is None, turn.start_s or 0.0))
    return turns
