"""Policies driven by session state, as configured in YAML: when to steer the responder.

Pure decisions, no I/O: `after_user_turn` looks at what the caller just said (turn limit,
repetition, frustration), `tick` at the clock (time limit, stalls, silence, slow thinking).
Each returns `Guidance` for the runtime to deliver; each policy fires at most as often as its
configuration allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .config import PoliciesConfig
from .conversation import Conversation, Guidance


@dataclass
class PolicyEngine:
    config: PoliciesConfig
    conversation: Conversation
    started_at: float = 0.0
    wrapped_up: bool = False
    stall_answered: bool = False  # since the caller last spoke
    reengaged: int = 0
    kept_engaged: dict[int, int] = field(default_factory=dict)  # job id -> holding lines said

    def after_user_turn(self, text: str) -> list[Guidance]:
        conv, config, found = self.conversation, self.config, []
        self.stall_answered = False
        lowered = text.lower()
        if (policy := config.escalate_on_frustration) and any(
            keyword.lower() in lowered for keyword in policy.keywords
        ):
            found.append(Guidance("escalate_on_frustration", policy.instruction, policy.say, False))
        if (policy := config.clarify_on_repeat) and len(conv.caller_turns) >= 2:
            previous = conv.caller_turns[-2].lower()
            if SequenceMatcher(None, previous, lowered).ratio() >= policy.min_similarity:
                found.append(Guidance("clarify_on_repeat", policy.instruction, policy.say, False))
        if (
            (policy := config.wrap_up)
            and not self.wrapped_up
            and policy.after_caller_turns is not None
            and len(conv.caller_turns) >= policy.after_caller_turns
        ):
            self.wrapped_up = True
            found.append(Guidance("wrap_up", policy.instruction, policy.say, False))
        return found

    def tick(self, now: float) -> list[Guidance]:
        conv, config = self.conversation, self.config
        found: list[Guidance] = []
        if (
            (policy := config.wrap_up)
            and not self.wrapped_up
            and policy.after_s is not None
            and now - self.started_at >= policy.after_s
        ):
            self.wrapped_up = True
            found.append(Guidance("wrap_up", policy.instruction, policy.say, False))
        if not conv.agent_idle or conv.reply_requested or conv.agent_speech_end is None:
            return found
        quiet_since = max(conv.agent_speech_end, conv.last_user_speech_end or 0.0)
        if conv.jobs_in_flight:
            if (policy := config.keep_engaged) is not None:
                job_id, job_started = max(conv.jobs_in_flight.items(), key=lambda kv: kv[1])
                said = self.kept_engaged.get(job_id, 0)
                if (
                    said < policy.max_times
                    and now - max(quiet_since, job_started) >= policy.every_s
                ):
                    self.kept_engaged[job_id] = said + 1
                    line = policy.say[said % len(policy.say)]
                    found.append(Guidance("keep_engaged", policy.instruction, line, True))
            return found
        caller_silent = (conv.last_user_speech_end or -1.0) < conv.agent_speech_end
        last_agent = conv.agent_turns[-1] if conv.agent_turns else ""
        if (
            (policy := config.clarify_on_stall)
            and caller_silent
            and last_agent.rstrip().endswith("?")
            and not self.stall_answered
            and now - conv.agent_speech_end >= policy.after_s
        ):
            self.stall_answered = True
            found.append(Guidance("clarify_on_stall", policy.instruction, policy.say, True))
        elif (
            (policy := config.reengage_after_silence)
            and self.reengaged < policy.max_times
            and now - quiet_since >= policy.after_s
        ):
            self.reengaged += 1
            found.append(Guidance("reengage_after_silence", policy.instruction, policy.say, True))
        return found
