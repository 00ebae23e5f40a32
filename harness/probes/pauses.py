"""Pauses inside a caller's turn and asides: did the agent take the turn, did it answer side talk.

The simulated caller logs its plan (events.jsonl): `caller_turn_pauses` for a line said with
silences inside it (each pause's `offset_s` into the line's audio and its `pause_s`, and the
audio's `duration_s`) and `caller_aside` for a line said to someone else in the room. Each plan
is tied to the caller's turn in transcript.json with the same words, whose `start_s` places it on
the recording (the caller channel: as the agent heard it).

- takeover (Full-Duplex-Bench's pause handling; LiveKit's end-of-turn misprediction): the agent
  *began* to speak (its own start: the agent channel less the agent->caller leg) after a planned
  pause began and before the caller's line was over (`duration_s` from the turn's start), i.e.
  it took a pause for the end of the turn. `takeover_rate` = turns taken over / turns planned
  with a pause.
- aside answered (FDB v1.5 side talk): the agent was silent when the aside ended and began to
  speak within the aside's `wait_s`, with no addressed caller speech between. An agent that
  talked on through the aside did not answer it.

A recording with no plan (`crosstalk analyze`) cannot tell a pause from an end of turn by audio
alone: nothing is reported (`pause_plan: "none"`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ..rundir.models import Turn

Span = tuple[float, float]
ASIDE_WAIT_S = 3.0  # the persona's default `speech.aside.wait_s`, for a plan that omits it


def words_key(text: str) -> tuple[str, ...]:
    """A line's words, lower case, without punctuation: how a said text is told from another."""
    words = ("".join(c for c in word if c.isalnum()) for word in text.lower().split())
    return tuple(word for word in words if word)


@dataclass(frozen=True)
class PauseTurn:
    turn: int  # 1-based, in transcript.json
    line: int | None
    pauses: list[dict[str, float]]  # start_s (on the recording), pause_s
    takeover: bool
    agent_start_s: float | None  # when the agent began inside the turn (its own start)
    in_pause_s: float | None  # the length of the pause it began in (None: after the caller resumed)


@dataclass(frozen=True)
class AsideTurn:
    turn: int
    line: int | None
    end_s: float
    answered: bool
    agent_start_s: float | None
    why: str


@dataclass
class TurnPlans:
    pauses: list[PauseTurn]
    asides: list[AsideTurn]
    planned: bool

    def summary(self) -> dict[str, Any]:
        taken = sum(p.takeover for p in self.pauses)
        return {
            "pause_plan": "plan" if self.planned else "none",
            "paused_turns": len(self.pauses),
            "takeovers": taken,
            "takeover_rate": round(taken / len(self.pauses), 3) if self.pauses else None,
            "asides": len(self.asides),
            "asides_answered": sum(a.answered for a in self.asides),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "pauses": [asdict(p) for p in self.pauses],
            "asides": [asdict(a) for a in self.asides],
        }


def _plans(records: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [
        record["data"]
        for record in records
        if record.get("side") == "caller"
        and record.get("type") == kind
        and isinstance(record.get("data"), dict)
    ]


def _claim(turns: list[Turn], claimed: set[int], text: str) -> Turn | None:
    """The first caller turn not yet claimed with `text`'s words and a place on the recording."""
    key = words_key(text)
    for turn in turns:
        if turn.number in claimed or turn.speaker != "caller" or turn.start_s is None:
            continue
        if turn.backchannel or words_key(turn.text) != key:
            continue
        claimed.add(turn.number)
        return turn
    return None


def _own_starts(agent: list[Span], to_caller_s: float) -> list[float]:
    return [start - to_caller_s for start, _ in agent]


def _paused_turn(plan: dict[str, Any], turn: Turn, starts: list[float]) -> PauseTurn:
    begin = float(turn.start_s or 0.0)
    pauses = [
        {"start_s": round(begin + float(p["offset_s"]), 4), "pause_s": float(p["pause_s"])}
        for p in plan.get("pauses", [])
    ]
    planned_s = plan.get("duration_s")
    line_end = begin + float(planned_s) if planned_s else float(turn.end_s or begin)
    first = min((p["start_s"] for p in pauses), default=line_end)
    inside = [start for start in starts if first <= start < line_end]
    agent_start = inside[0] if inside else None
    in_pause = next(
        (
            p["pause_s"]
            for p in pauses
            if agent_start is not None and p["start_s"] <= agent_start < p["start_s"] + p["pause_s"]
        ),
        None,
    )
    return PauseTurn(
        turn.number,
        plan.get("line"),
        pauses,
        agent_start is not None,
        round(agent_start, 4) if agent_start is not None else None,
        in_pause,
    )


def _aside_turn(
    plan: dict[str, Any], turn: Turn, addressed: list[Turn], agent: list[Span], to_caller_s: float
) -> AsideTurn:
    end = float(turn.end_s if turn.end_s is not None else turn.start_s or 0.0)
    wait = float(plan.get("wait_s") or ASIDE_WAIT_S)

    def result(answered: bool, start: float | None, why: str) -> AsideTurn:
        rounded = round(start, 4) if start is not None else None
        return AsideTurn(turn.number, plan.get("line"), round(end, 4), answered, rounded, why)

    own = [(start - to_caller_s, stop - to_caller_s) for start, stop in agent]
    if any(start < end < stop for start, stop in own):
        return result(False, None, "the agent talked on through it")
    start = next((s for s, _ in own if end <= s <= end + wait), None)
    if start is None:
        return result(False, None, f"the agent stayed silent for {wait:g} s after it")
    if any(t.start_s is not None and end <= t.start_s < start for t in addressed):
        return result(False, start, "the caller spoke to the agent before the agent began")
    return result(True, start, f"the agent began {start - end:.2f} s after it")


def turn_plans(
    records: list[dict[str, Any]],
    turns: list[Turn] | None,
    agent: list[Span],
    agent_to_caller_ms: float | None = None,
) -> TurnPlans:
    """Takeovers of the caller's planned pauses and answers to its asides (module docstring)."""
    pause_plans, aside_plans = (
        _plans(records, "caller_turn_pauses"),
        _plans(records, "caller_aside"),
    )
    numbered = [
        turn.model_copy(update={"number": i}) if turn.number == 0 else turn
        for i, turn in enumerate(turns or [], start=1)
    ]
    to_caller_s = (agent_to_caller_ms or 0.0) / 1000
    starts = _own_starts(agent, to_caller_s)
    claimed: set[int] = set()
    pauses = []
    for plan in pause_plans:
        turn = _claim(numbered, claimed, str(plan.get("text", "")))
        if turn is not None:
            pauses.append(_paused_turn(plan, turn, starts))
    aside_of: dict[int, dict[str, Any]] = {}
    for plan in aside_plans:
        turn = _claim(numbered, set(aside_of), str(plan.get("text", "")))
        if turn is not None:
            aside_of[turn.number] = plan
    # speech addressed to the agent: the caller's turns that are neither asides nor backchannels
    addressed = [
        t
        for t in numbered
        if t.speaker == "caller" and not t.backchannel and t.number not in aside_of
    ]
    asides = [
        _aside_turn(plan, numbered[number - 1], addressed, agent, to_caller_s)
        for number, plan in aside_of.items()
    ]
    return TurnPlans(pauses, asides, bool(pause_plans or aside_plans))
