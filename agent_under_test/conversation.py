"""What the agent knows about the call so far, and the conversation's state machine.

`Conversation` is the shared, plain-data view every part reads: who the caller is, which order
is being discussed, thinker work in flight and results not yet spoken, guidance waiting for the
responder, and when each side last spoke. Only the controller's handlers change it.
The state machine only moves forward: greet -> identify -> resolve -> wrap_up -> end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

STAGES = ("greet", "identify", "resolve", "wrap_up", "end")
Stage = Literal["greet", "identify", "resolve", "wrap_up", "end"]


@dataclass
class Facts:
    customer_id: str | None = None
    customer_name: str | None = None
    order_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class Guidance:
    """Steering for the responder from a policy or a guardrail.

    `now`: speak at once (a reply of its own); otherwise it shapes the next reply. `say` is the
    line the offline responder uses; `instruction` is what a language model is told.
    """

    policy: str
    instruction: str
    say: str
    now: bool


@dataclass
class ThinkerResultItem:
    job_id: int
    say: str
    late: bool  # the responder filled in while it was being worked out
    spoken: bool = False
    offered: bool = False  # a reply was asked for it; its fate is known when that reply lands


@dataclass
class Conversation:
    stage: Stage = "greet"
    facts: Facts = field(default_factory=Facts)
    caller_turns: list[str] = field(default_factory=list)
    agent_turns: list[str] = field(default_factory=list)
    agent_state: str = "initializing"
    user_speaking: bool = False
    agent_speech_end: float | None = None
    last_user_speech_end: float | None = None
    last_activity: float = 0.0
    jobs_in_flight: dict[int, float] = field(default_factory=dict)  # job id -> started at
    results: list[ThinkerResultItem] = field(default_factory=list)
    guidance: list[Guidance] = field(default_factory=list)
    reply_requested: bool = False
    speeches_in_flight: set[str] = field(default_factory=set)  # created, not yet done
    ended_by_agent: bool = False

    def advance(self, to: Stage) -> Stage | None:
        """Move forward to `to`; returns the stage left, or None if `to` is not ahead."""
        if STAGES.index(to) <= STAGES.index(self.stage):
            return None
        left, self.stage = self.stage, to
        return left

    def unspoken_results(self) -> list[ThinkerResultItem]:
        return [item for item in self.results if not item.spoken]

    def results_to_offer(self) -> list[ThinkerResultItem]:
        """Unspoken results no reply has been asked for yet."""
        return [item for item in self.results if not item.spoken and not item.offered]

    def take_guidance(self, *, now: bool | None = None) -> list[Guidance]:
        """Remove and return waiting guidance (only `now` or only next-reply ones, if asked)."""
        taken = [g for g in self.guidance if now is None or g.now == now]
        self.guidance = [g for g in self.guidance if g not in taken]
        return taken

    @property
    def agent_idle(self) -> bool:
        return (
            self.agent_state in ("listening", "idle")
            and not self.user_speaking
            and not self.speeches_in_flight
        )
