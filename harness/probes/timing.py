"""Timing of a call from its two speech tracks: responses, interruptions, overlap and silences.

Definitions (docs/metrics.md has the picture):
- response: the caller stops, the agent is silent, and the agent starts before the caller speaks
  again; latency = agent start - caller end (time-to-first-audio for that turn), as the caller
  experiences it: from its last sample *as spoken* to the agent's first sample as heard. The
  recording's caller channel is the caller as the agent heard it, `Legs.caller_to_agent_ms` late,
  so that leg is added back; the agent channel is already as the caller heard it.
- greeting latency: call start -> first agent audio, when the agent speaks first.
- interruption: the caller starts while the agent speaks. stop latency = agent end - caller start;
  recovery = next agent start - end of the caller's whole turn (every caller segment up to
  the agent's next start: a caller who pauses inside the interrupting turn is still talking;
  None if the agent never speaks again); both as the caller experiences them, so the
  caller->agent leg is added back as for responses. *missed*: the agent kept talking more
  than `missed_after_s` over the caller (on the recording, as the agent heard it);
  *false*: the agent stopped for a short burst (a backchannel or noise).
- barge-in: an interruption the caller *meant* (`meant`). The simulated caller's plan says which
  (`CallerPlan`, from its `caller_barge_in` / `caller_backchannel` events); a recording with no
  plan is guessed from the burst's length (longer than `backchannel_max_s`), and the summary
  says which (`barge_in_intent`: "plan" or "guess"). Only a missed *barge-in* is the agent's
  fault: a backchannel or an aside it talked through was rightly ignored.
- backchannel: a short caller burst over agent speech that the agent (rightly) talked through.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

Span = tuple[float, float]  # [start_s, end_s)


@dataclass(frozen=True)
class CallerPlan:
    """When the simulated caller meant to speak over the agent (session seconds, as it started
    speaking): its barge-ins and its backchannels. Anything else it said over the agent (a late
    answer colliding with the agent's next words) was not meant as a barge-in."""

    barge_ins_s: tuple[float, ...] = ()
    backchannels_s: tuple[float, ...] = ()

    def meant_barge_in(self, start_s: float, end_s: float, heard_late_s: float) -> bool:
        """Whether caller speech heard over [start_s, end_s) is one of the planned barge-ins."""
        return any(start_s - heard_late_s - 0.5 <= t <= end_s for t in self.barge_ins_s)


@dataclass(frozen=True)
class TimingOptions:
    missed_after_s: float = 2.0
    backchannel_max_s: float = 0.8


@dataclass(frozen=True)
class Legs:
    """The link's one-way delays (ms), when the transport knows them (None: not known)."""

    caller_to_agent_ms: float = 0.0
    agent_to_caller_ms: float | None = None

    @classmethod
    def from_json(cls, document: Any) -> Legs:
        if not isinstance(document, dict):
            return cls()
        to_agent, to_caller = document.get("caller_to_agent"), document.get("agent_to_caller")
        return cls(
            float(to_agent) if isinstance(to_agent, int | float) else 0.0,
            float(to_caller) if isinstance(to_caller, int | float) else None,
        )


@dataclass(frozen=True)
class Response:
    caller_end_s: float  # on the recording: as the agent heard it
    agent_start_s: float
    latency_ms: float  # as the caller experiences it: both legs and the agent's turnaround
    caller_to_agent_ms: float = 0.0
    agent_to_caller_ms: float | None = None
    turnaround_ms: float | None = None  # the agent's own part: heard the end -> began to speak


@dataclass(frozen=True)
class Interruption:
    start_s: float
    agent_stop_s: float
    stop_latency_ms: float
    recovery_ms: float | None
    caller_end_s: float  # the end of the interrupting segment
    missed: bool
    false: bool
    meant: bool = True  # a barge-in the caller meant (see CallerPlan), not a backchannel or aside
    turn_end_s: float | None = None  # the end of the caller's whole turn, recovery's start


@dataclass(frozen=True)
class Backchannel:
    start_s: float
    end_s: float


@dataclass
class CallTiming:
    segments: dict[str, list[list[float]]]
    responses: list[Response] = field(default_factory=list)
    interruptions: list[Interruption] = field(default_factory=list)
    backchannels: list[Backchannel] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": self.segments,
            "responses": [asdict(r) for r in self.responses],
            "interruptions": [asdict(i) for i in self.interruptions],
            "backchannels": [asdict(b) for b in self.backchannels],
            "summary": self.summary,
        }


def _speaking_at(spans: list[Span], time_s: float) -> Span | None:
    return next((span for span in spans if span[0] < time_s < span[1]), None)


def _next_start(spans: list[Span], after_s: float) -> float | None:
    return next((start for start, _ in spans if start >= after_s), None)


def _stats(values_ms: list[float]) -> dict[str, float | int | None]:
    if not values_ms:
        return {"count": 0, "p50_ms": None, "p95_ms": None, "max_ms": None}
    array = np.asarray(values_ms)
    return {
        "count": int(array.size),
        "p50_ms": round(float(np.percentile(array, 50)), 1),
        "p95_ms": round(float(np.percentile(array, 95)), 1),
        "max_ms": round(float(array.max()), 1),
    }


def _turns(caller: list[Span], agent: list[Span]) -> dict[str, int]:
    """Turns per side: runs of one side's segments with no speech of the other side between."""
    timeline = sorted([(s, "caller") for s, _ in caller] + [(s, "agent") for s, _ in agent])
    turns = {"caller": 0, "agent": 0}
    previous = None
    for _, side in timeline:
        if side != previous:
            turns[side] += 1
        previous = side
    return turns


def _union_length(spans: list[Span]) -> float:
    return sum(end - start for start, end in spans)


def _overlap_length(a: list[Span], b: list[Span]) -> float:
    return sum(
        max(0.0, min(a_end, b_end) - max(a_start, b_start))
        for a_start, a_end in a
        for b_start, b_end in b
    )


def _longest_silence(caller: list[Span], agent: list[Span]) -> float:
    spans = sorted(caller + agent)
    longest, reach = 0.0, None
    for start, end in spans:
        if reach is not None and start > reach:
            longest = max(longest, start - reach)
        reach = end if reach is None else max(reach, end)
    return longest


def _response(end: float, agent_start: float, legs: Legs) -> Response:
    heard_gap_ms = (agent_start - end) * 1000
    to_caller = legs.agent_to_caller_ms
    return Response(
        round(end, 4),
        round(agent_start, 4),
        round(heard_gap_ms + legs.caller_to_agent_ms, 1),
        legs.caller_to_agent_ms,
        to_caller,
        round(heard_gap_ms - to_caller, 1) if to_caller is not None else None,
    )


def _whole_turn(
    caller: list[Span], agent: list[Span], end_s: float, stop_s: float
) -> tuple[float, float | None]:
    """The end of the caller's turn that ended a segment at `end_s`, and the agent's next start
    after it: every caller segment that starts before the agent speaks again belongs to the turn
    (a pause inside it is not its end)."""
    turn_end = end_s
    while True:
        next_agent = _next_start(agent, max(stop_s, turn_end))
        later = [
            seg_end
            for seg_start, seg_end in caller
            if seg_start > turn_end and (next_agent is None or seg_start < next_agent)
        ]
        if not later:
            return turn_end, next_agent
        turn_end = max(later)


def measure(
    caller: list[Span],
    agent: list[Span],
    duration_s: float,
    options: TimingOptions | None = None,
    legs: Legs | None = None,
    plan: CallerPlan | None = None,
) -> CallTiming:
    """The call's timing; `plan` (None: not known, guessed) says which overlaps were barge-ins."""
    options = options or TimingOptions()
    legs = legs or Legs()
    timing = CallTiming(
        segments={
            "caller": [[round(s, 4), round(e, 4)] for s, e in caller],
            "agent": [[round(s, 4), round(e, 4)] for s, e in agent],
        }
    )
    for _, end in caller:
        if _speaking_at(agent, end) is not None:
            continue
        agent_start = _next_start(agent, end)
        caller_again = _next_start(caller, end)
        if agent_start is not None and (caller_again is None or agent_start < caller_again):
            timing.responses.append(_response(end, agent_start, legs))

    for start, end in caller:
        agent_span = _speaking_at(agent, start)
        if agent_span is None:
            continue
        stop_s = agent_span[1]
        short_burst = end - start <= options.backchannel_max_s
        missed = stop_s - start > options.missed_after_s
        if plan is None:
            meant = not short_burst
        else:
            meant = plan.meant_barge_in(start, end, legs.caller_to_agent_ms / 1000)
        if short_burst and missed and not meant:
            timing.backchannels.append(Backchannel(round(start, 4), round(end, 4)))
            continue
        turn_end, recovery_at = _whole_turn(caller, agent, end, stop_s)
        if missed:
            recovery_at = None
        leg_ms = legs.caller_to_agent_ms  # the caller began (and ended) that much earlier
        timing.interruptions.append(
            Interruption(
                start_s=round(start, 4),
                agent_stop_s=round(stop_s, 4),
                stop_latency_ms=round((stop_s - start) * 1000 + leg_ms, 1),
                recovery_ms=round((recovery_at - turn_end) * 1000 + leg_ms, 1)
                if recovery_at is not None
                else None,
                caller_end_s=round(end, 4),
                missed=missed,
                false=short_burst and not missed,
                meant=meant,
                turn_end_s=round(turn_end, 4),
            )
        )

    timing.summary = _summary(timing, caller, agent, duration_s, legs)
    timing.summary["barge_in_intent"] = "guess" if plan is None else "plan"
    return timing


def _barge_in_figures(timing: CallTiming, caller: list[Span]) -> dict[str, int]:
    """What the interruption budgets need beside the latencies: the barge-ins the caller meant,
    those the agent talked on over, and those after which the caller spoke again but the agent
    never did (it stopped and went silent for good)."""
    barge_ins = [i for i in timing.interruptions if i.meant]
    unrecovered = [
        i
        for i in barge_ins
        if not i.missed
        and i.recovery_ms is None
        and _next_start(caller, i.caller_end_s + 0.001) is not None
    ]
    return {
        "barge_ins": len(barge_ins),
        "missed_barge_ins": sum(i.missed for i in barge_ins),
        "unrecovered_barge_ins": len(unrecovered),
    }


def _summary(
    timing: CallTiming, caller: list[Span], agent: list[Span], duration_s: float, legs: Legs
) -> dict[str, Any]:
    """The call's figures (probes.json `summary`): what budgets and reports read."""
    greeting = agent[0][0] if agent and (not caller or agent[0][0] < caller[0][0]) else None
    talk_caller, talk_agent = _union_length(caller), _union_length(agent)
    return {
        "duration_s": round(duration_s, 3),
        "greeting_latency_ms": round(greeting * 1000, 1) if greeting is not None else None,
        "turns": _turns(caller, agent),
        "segments": {"caller": len(caller), "agent": len(agent)},
        "response_latency": _stats([r.latency_ms for r in timing.responses]),
        "response_turnaround": _stats(
            [r.turnaround_ms for r in timing.responses if r.turnaround_ms is not None]
        ),
        "legs_ms": {
            "caller_to_agent": legs.caller_to_agent_ms,
            "agent_to_caller": legs.agent_to_caller_ms,
        },
        "interruption_stop_latency": _stats(
            [i.stop_latency_ms for i in timing.interruptions if not i.missed]
        ),
        "interruption_recovery": _stats(
            [i.recovery_ms for i in timing.interruptions if i.recovery_ms is not None]
        ),
        "interruptions": len(timing.interruptions),
        "missed_interruptions": sum(i.missed for i in timing.interruptions),
        **_barge_in_figures(timing, caller),
        "false_interruptions": sum(i.false for i in timing.interruptions),
        "backchannels": len(timing.backchannels),
        "overlap_s": round(_overlap_length(caller, agent), 3),
        "longest_silence_s": round(_longest_silence(caller, agent), 3),
        "talk_time_s": {"caller": round(talk_caller, 3), "agent": round(talk_agent, 3)},
        "agent_talk_ratio": round(talk_agent / (talk_agent + talk_caller), 3)
        if talk_agent + talk_caller
        else None,
    }
