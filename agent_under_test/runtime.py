"""One session of the agent: the controller's handlers wired to the conversation and its parts.

The runtime owns the controller, the conversation state, the thinker and its tools, the
guardrails and the policies. livekit session events come in through `attach`; the responder
calls `on_user_turn` when the caller finishes a turn, and `close` when the session ends. What
the runtime asks of the responder (speak now, inject context, end the call) goes through the
small `Speaker` protocol, so the runtime can be driven without livekit (tests, benchmarks).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import statistics
import time
from collections.abc import Callable
from typing import Any, Protocol

from . import intents
from .config import AgentConfig
from .controller import Controller
from .conversation import Conversation, Guidance, ThinkerResultItem
from .guardrails import Guardrails, Violation, normalise
from .policies import PolicyEngine
from .retrieval import KnowledgeBase
from .store import Event
from .thinker import Thinker, ThinkJob
from .tools import ToolBox

logger = logging.getLogger(__name__)

_TICK_S = 0.2
_JOB_FAILED = "I am sorry, I could not get to that just now. Could you try asking again?"


class Speaker(Protocol):
    """What the runtime needs from the responder: speaking, context, ending the call."""

    def speak(self, instruction: str, on_done: Callable[[bool], None] | None = None) -> None:
        """Start a reply now (the offline brain reads `Conversation`, a model `instruction`).

        `on_done(cut_short)` is called once that reply has played out whole (False), or was
        interrupted, failed or said nothing (True).
        """

    async def inject(self, kind: str, text: str) -> None:
        """Add context for a model-backed responder (a no-op offline: the brain reads state).

        Returns once the model has it, so a reply asked for next can use it."""

    def say_and_end(self, text: str) -> None:
        """Say `text`, then close the session."""


class Runtime:
    def __init__(
        self,
        config: AgentConfig,
        controller: Controller,
        thinker: Thinker,
        knowledge: KnowledgeBase,
        customer_data: dict[str, list[str]],
    ) -> None:
        self.config = config
        self.controller = controller
        self.conversation = Conversation()
        self.thinker = thinker
        self.tools = ToolBox(
            controller,
            self.conversation.facts,
            knowledge,
            enforce_ownership=config.thinker.enforce_ownership,
        )
        moderator = getattr(thinker, "moderate", None)
        self.guardrails = Guardrails(
            config.guardrails, self.conversation.facts, customer_data, moderator
        )
        self.policies = PolicyEngine(config.policies, self.conversation)
        self.speaker: Speaker | None = None
        self._job_ids = itertools.count(1)
        self._waited_out: set[int] = set()
        self._holds_ms: list[float] = []
        self._thinker_ms: list[float] = []
        self._counts = {"tool_calls": 0, "guardrail_events": 0}
        self._register_handlers()

    # -- wiring -------------------------------------------------------------------------------

    def _register_handlers(self) -> None:
        on = self.controller.on
        on("agent_state_changed", self._on_agent_state)
        on("user_state_changed", self._on_user_state)
        on("conversation_item_added", self._on_item)
        on("speech_created", self._on_speech_created)
        on("speech_done", self._on_speech_done)
        on("user_turn", self._on_user_turn_event)
        on("thinker_result", self._on_thinker_result)
        on("caller_identified", lambda _: self._advance("resolve", "caller identified"))
        on("state", self._on_state)
        on("tool_call", lambda _: self._count("tool_calls"))
        on("guardrail", lambda _: self._count("guardrail_events"))
        on("guardrail_hold", lambda event: self._holds_ms.append(event.data["added_ms"]))

    def start(self, speaker: Speaker) -> None:
        self.speaker = speaker
        self.policies.started_at = self.controller.clock()
        self.controller.start()
        self.controller.spawn(self._tick_forever(), name="policy-ticker")
        self.controller.emit("session_started", {"session_id": self.controller.store.session_id})

    def _count(self, name: str) -> None:
        self._counts[name] += 1

    # -- handlers (small and fast; anything slow is a background task) -------------------------

    def _on_agent_state(self, event: Event) -> None:
        conv = self.conversation
        old, new = event.data.get("old_state"), event.data.get("new_state")
        conv.agent_state = new or conv.agent_state
        if new in ("speaking", "listening"):
            conv.reply_requested = False
        if old == "speaking":
            conv.agent_speech_end = event.t
            self._advance("identify", "greeted the caller")
        self._speak_results_if_natural()

    def _on_user_state(self, event: Event) -> None:
        conv = self.conversation
        conv.user_speaking = event.data.get("new_state") == "speaking"
        if event.data.get("old_state") == "speaking":
            conv.last_user_speech_end = event.t
        self._speak_results_if_natural()

    def _on_item(self, event: Event) -> None:
        if event.data.get("role") != "assistant":
            return
        text = event.data.get("text", "")
        self.conversation.agent_turns.append(text)
        for result in self.conversation.unspoken_results():
            # a realtime model may also speak a result unasked, once it is in its context
            if _mentions(text, result.say):
                result.spoken = True

    def _on_speech_created(self, event: Event) -> None:
        self.conversation.speeches_in_flight.add(event.data["speech_id"])

    def _on_speech_done(self, event: Event) -> None:
        self.conversation.speeches_in_flight.discard(event.data["speech_id"])
        self._speak_results_if_natural()

    def _on_user_turn_event(self, event: Event) -> None:
        text = event.data["text"]
        conv = self.conversation
        conv.caller_turns.append(text)
        for guidance in self.policies.after_user_turn(text):
            self.deliver(guidance)
        if intents.says_goodbye(text):
            self._advance("wrap_up", "the caller said goodbye")

    def _on_thinker_result(self, event: Event) -> None:
        self._thinker_ms.append(event.data["latency_ms"])
        self._speak_results_if_natural()

    def _on_state(self, event: Event) -> None:
        self.controller.spawn(self._save_session(), name="save-session:state")

    def _speak_results_if_natural(self) -> None:
        """Speak thinker results at the next natural point: nobody talking, no reply coming."""
        conv = self.conversation
        offer = conv.results_to_offer()
        if offer and conv.agent_idle and not conv.reply_requested:
            # marked before the reply lands: the agent turns idle before its text is added, and
            # asking again in between would speak the result twice
            conv.reply_requested = True
            for result in offer:
                result.offered = True

            def reply_done(cut_short: bool) -> None:
                # the reply asked for these results carries them (in the model's words, on
                # realtime); cut short, they are offered again at the next natural point
                for result in offer:
                    result.offered = False
                    result.spoken = result.spoken or not cut_short
                self._speak_results_if_natural()

            if self.speaker is not None:
                self.speaker.speak("Tell the caller the result you were just given.", reply_done)

    def _advance(self, to: str, reason: str) -> None:
        left = self.conversation.advance(to)  # type: ignore[arg-type]
        if left is not None:
            self.controller.emit("state", {"from": left, "to": to, "reason": reason})

    # -- what the responder calls --------------------------------------------------------------

    async def on_user_turn(self, text: str, *, reply_follows: bool = True) -> None:
        """The caller finished a turn: log it, start the thinker if needed, wait the fast path.

        `reply_follows`: the framework replies once this returns (a pipeline); a realtime model
        answers on its own, perhaps before the final transcript arrives.
        """
        if reply_follows:
            self.conversation.reply_requested = True
        self.controller.emit("user_turn", {"text": text})
        agent_turns = self.conversation.agent_turns
        if not intents.needs_thinker(text, agent_turns[-1] if agent_turns else ""):
            return
        job = ThinkJob(
            job_id=next(self._job_ids),
            utterance=text,
            history=tuple(
                ("assistant" if role == "agent" else "user", said)
                for role, said in _interleave(
                    self.conversation.caller_turns[:-1], self.conversation.agent_turns
                )[-6:]
            ),
            facts=self.conversation.facts.as_dict(),
        )
        task = self.controller.spawn(self._run_job(job), name=f"thinker-job-{job.job_id}")
        _, pending = await asyncio.wait({task}, timeout=self.config.responder.fast_path_s)
        if pending:
            self._waited_out.add(job.job_id)
            self.controller.emit("filler", {"job_id": job.job_id})

    async def _run_job(self, job: ThinkJob) -> None:
        conv, started = self.conversation, self.controller.clock()
        conv.jobs_in_flight[job.job_id] = started
        self.controller.emit("thinker_started", {"job_id": job.job_id, "utterance": job.utterance})
        try:
            if self.config.thinker.latency_s:
                await asyncio.sleep(self.config.thinker.latency_s)
            async with asyncio.timeout(self.config.thinker.timeout_s):
                result = await self.thinker.think(job, self.tools)
            say, steps, sources = result.say or _JOB_FAILED, result.steps, result.sources
        except Exception as exc:
            logger.exception("thinker job %s failed", job.job_id)
            self.controller.emit("thinker_error", {"job_id": job.job_id, "error": repr(exc)})
            say, steps, sources = _JOB_FAILED, (), ()
        finally:
            conv.jobs_in_flight.pop(job.job_id, None)
        late = job.job_id in self._waited_out
        if self.speaker is not None:  # in the model's context before a reply is asked for it
            await self.speaker.inject("thinker_result", say)
        conv.results.append(ThinkerResultItem(job.job_id, say, late=late))
        self.controller.emit(
            "thinker_result",
            {
                "job_id": job.job_id,
                "say": say,
                "steps": list(steps),
                "sources": list(sources),
                "facts": conv.facts.as_dict(),
                "latency_ms": round((self.controller.clock() - started) * 1000, 1),
                "after_filler": late,
            },
        )

    def deliver(self, guidance: Guidance) -> None:
        conv = self.conversation
        self.controller.emit(
            "guidance",
            {
                "policy": guidance.policy,
                "text": guidance.instruction,
                "say": guidance.say,
                "now": guidance.now,
            },
        )
        conv.guidance.append(guidance)
        if guidance.policy == "wrap_up":
            self._advance("wrap_up", "wrap-up policy")
        if self.speaker is None:
            return
        self.controller.spawn(self.speaker.inject("guidance", guidance.instruction), name="inject")
        if guidance.now:
            conv.reply_requested = True
            self.speaker.speak(guidance.instruction)

    def on_violation(self, violation: Violation, frames_released: int) -> None:
        """A guardrail stopped a reply: log it, then redirect, adjust or end the call."""
        self.controller.emit(
            "guardrail",
            {
                "action": violation.action,
                "rule": violation.rule,
                "reason": violation.reason,
                "blocked_text": violation.text,
                "frames_released": frames_released,
            },
        )
        blocked = normalise(violation.text)
        for result in self.conversation.unspoken_results():
            if normalise(result.say) in blocked:
                result.spoken = True  # blocked: never offered again
        say = violation.say or "Sorry, let me put that another way."
        if violation.action == "end":
            self.conversation.ended_by_agent = True
            self._advance("end", f"guardrail {violation.rule}")
            if self.speaker is not None:
                self.speaker.say_and_end(say)
            return
        policy = f"guardrail:{violation.rule}"
        instruction = violation.instruction or "Rephrase your last reply within policy."
        if violation.action == "redirect":
            self.deliver(Guidance(policy, f"Say exactly: {say}", say, True))
        else:  # adjust: the model is told what to change and answers again
            self.deliver(Guidance(policy, instruction, say, True))

    def on_hold(self, hold: dict[str, Any]) -> None:
        self.controller.emit("guardrail_hold", hold)

    # -- time-driven policies ------------------------------------------------------------------

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(_TICK_S)
            for guidance in self.policies.tick(self.controller.clock()):
                self.deliver(guidance)

    # -- the end -------------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        handling_ms = sorted(s * 1000 for s in self.controller.handling_s)

        def percentile(values: list[float], p: float) -> float | None:
            if not values:
                return None
            return round(values[min(len(values) - 1, int(p * len(values)))], 3)

        holds = sorted(self._holds_ms)
        return {
            "events": len(handling_ms),
            "event_handling_p50_ms": percentile(handling_ms, 0.5),
            "event_handling_p99_ms": percentile(handling_ms, 0.99),
            "handler_errors": self.controller.handler_errors,
            "guardrail_buffer_ms": self.config.guardrails.buffer_ms,
            "guardrail_added_p50_ms": percentile(holds, 0.5),
            "guardrail_added_max_ms": holds[-1] if holds else None,
            "thinker_mean_ms": round(statistics.fmean(self._thinker_ms), 1)
            if self._thinker_ms
            else None,
        }

    async def _save_session(self, **extra: Any) -> None:
        conv = self.conversation
        await self.controller.store.update_session(
            state=conv.stage,
            customer_id=conv.facts.customer_id,
            order_id=conv.facts.order_id,
            caller_turns=len(conv.caller_turns),
            agent_turns=len(conv.agent_turns),
            tool_calls=self._counts["tool_calls"],
            guardrail_events=self._counts["guardrail_events"],
            **extra,
        )

    async def close(self) -> None:
        """The session is over: record the end, stop every task and write everything down."""
        self._advance("end", "the session closed")
        summary = self.summary()
        self.controller.emit("session_ended", summary)
        await self.controller.stop_tasks()
        transcript = [
            {"role": role, "text": text}
            for role, text in _interleave(
                self.conversation.caller_turns, self.conversation.agent_turns
            )
        ]
        await self._save_session(
            ended_at=time.time(),
            outcome="ended_by_agent" if self.conversation.ended_by_agent else "completed",
            transcript=transcript,
            metrics=summary,
        )
        await self.controller.aclose()


def _mentions(said: str, result: str) -> bool:
    """Whether `said` carries `result`: word for word, or most of its words (retold)."""
    said_n, result_n = normalise(said), normalise(result)
    if result_n and result_n in said_n:
        return True
    words = {w for w in result_n.split() if len(w) > 3}
    return bool(words) and len(words & set(said_n.split())) >= 0.7 * len(words)


def _interleave(caller: list[str], agent: list[str]) -> list[tuple[str, str]]:
    """Agent and caller turns alternately, the agent first (it greets); the leftovers after."""
    pairs: list[tuple[str, str]] = []
    for index in range(max(len(caller), len(agent))):
        if index < len(agent):
            pairs.append(("agent", agent[index]))
        if index < len(caller):
            pairs.append(("caller", caller[index]))
    return pairs
