"""The responder: the realtime voice agent (a livekit `Agent`) that owns the conversation.

It greets, acknowledges at once and never blocks its turn on slow reasoning: the runtime's
thinker works in the background and its results are spoken at the next natural point. Its
output passes the guardrails on the way out: `tts_node` (pipeline) and
`realtime_audio_output_node` (realtime model) hold the audio in a `ReplyGate`, and
`transcription_node` lets through only text that passed, so a blocked sentence reaches neither
the caller's ear nor the chat history.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable

from crosstalk_harness.brains import PolicyLLM
from livekit import rtc
from livekit.agents import NOT_GIVEN, Agent, ModelSettings, TurnHandlingOptions, llm
from livekit.agents.voice import SpeechHandle

from .guardrails import ReplyGate, Violation, check_timed_out
from .offline_brain import ResponderBrain
from .runtime import Runtime
from .turns import end_of_turn, turn_vad

INSTRUCTIONS = """You are Ava, the voice agent of Acme Outfitters, a clothing retailer.
Greet the caller, find out what they need, and help with orders, deliveries, returns and store
hours. You never look anything up yourself: a back-office assistant does, and its results
arrive as system messages starting with [thinker_result]. While it works, tell the caller you
are checking. Follow system messages starting with [guidance]. Keep every reply to one or two
short spoken sentences. Never invent order details."""


def _cut_short(speech: SpeechHandle) -> bool:
    """Whether a reply did not play out whole: interrupted, failed, or nothing was said."""
    said = any(
        isinstance(item, llm.ChatMessage) and item.role == "assistant" and not item.interrupted
        for item in speech.chat_items
    )
    return speech.interrupted or speech.exception() is not None or not said


class Responder(Agent):
    def __init__(self, runtime: Runtime, *, offline_brain: bool) -> None:
        brain = ResponderBrain(runtime.conversation, runtime.config.responder.filler)
        turn_handling: TurnHandlingOptions = {
            # the reply is decided on the final transcript: that is when thinker work starts
            "preemptive_generation": {"enabled": False},
        }
        if offline_brain:
            turn_handling |= end_of_turn(runtime.config.responder.turn)
        super().__init__(
            instructions=INSTRUCTIONS,
            turn_handling=turn_handling,
            llm=PolicyLLM(brain.reply, name="acme-responder") if offline_brain else NOT_GIVEN,
            vad=turn_vad(runtime.config.responder.turn) if offline_brain else NOT_GIVEN,
        )
        self.runtime = runtime
        self._offline_brain = offline_brain
        self._realtime_gate: ReplyGate | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._turns_seen: set[str] = set()

    # -- lifecycle ----------------------------------------------------------------------------

    async def on_enter(self) -> None:
        emit = self.runtime.controller.emit
        session = self.session
        session.on(
            "agent_state_changed",
            lambda e: emit(
                "agent_state_changed", {"old_state": e.old_state, "new_state": e.new_state}
            ),
        )
        session.on(
            "user_state_changed",
            lambda e: emit(
                "user_state_changed", {"old_state": e.old_state, "new_state": e.new_state}
            ),
        )
        session.on("conversation_item_added", self._on_item)
        session.on("speech_created", self._on_speech_created)
        session.on("user_input_transcribed", self._on_transcribed)
        session.on(
            "metrics_collected",
            lambda e: emit(
                "metrics",
                e.metrics.model_dump(mode="json")
                if hasattr(e.metrics, "model_dump")
                else {"value": repr(e.metrics)},
            ),
        )
        session.on(
            "error",
            lambda e: emit("error", {"source": type(e.source).__name__, "error": repr(e.error)}),
        )
        self.runtime.start(self)
        session.generate_reply(instructions="Greet the caller as Ava from Acme Outfitters.")

    def _on_item(self, event: object) -> None:
        item = getattr(event, "item", None)
        if isinstance(item, llm.ChatMessage) and item.role in ("user", "assistant"):
            self.runtime.controller.emit(
                "conversation_item_added",
                {
                    "role": item.role,
                    "text": item.text_content or "",
                    "interrupted": item.interrupted,
                },
            )

    def _on_speech_created(self, event: object) -> None:
        # a speech is done only after its text is in the conversation; the agent turns idle
        # before that, and a result it carried unasked must not be offered again in between
        handle = getattr(event, "speech_handle", None)
        if handle is None:
            return
        emit = self.runtime.controller.emit
        emit("speech_created", {"speech_id": handle.id, "source": getattr(event, "source", "")})
        handle.add_done_callback(
            lambda done: emit(
                "speech_done", {"speech_id": done.id, "interrupted": done.interrupted}
            )
        )

    @property
    def _realtime(self) -> bool:
        return isinstance(self.session.llm, llm.RealtimeModel)

    def _on_transcribed(self, event: object) -> None:
        if not getattr(event, "is_final", False):
            return
        text = getattr(event, "transcript", "") or ""
        self.runtime.controller.emit("transcript", {"role": "caller", "text": text})
        # a realtime model detects turns itself (or not), and livekit calls
        # `on_user_turn_completed` only for turns it detected: every final transcript is a turn
        key = getattr(event, "item_id", None) or f"{len(self._turns_seen)}:{text}"
        if self._realtime and text.strip() and key not in self._turns_seen:
            self._turns_seen.add(key)
            self._in_background(self.runtime.on_user_turn(text, reply_follows=False))

    async def on_user_turn_completed(
        self, turn_ctx: llm.ChatContext, new_message: llm.ChatMessage
    ) -> None:
        if not self._realtime:  # on realtime, every final transcript drives the turn instead
            await self.runtime.on_user_turn(new_message.text_content or "")

    async def on_exit(self) -> None:
        for task in list(self._background):
            task.cancel()
        await self.runtime.close()

    # -- what the runtime asks of the responder (runtime.Speaker) ------------------------------

    def speak(self, instruction: str, on_done: Callable[[bool], None] | None = None) -> None:
        handle = self.session.generate_reply(instructions=instruction)
        if on_done is not None:
            handle.add_done_callback(lambda done: on_done(_cut_short(done)))

    async def inject(self, kind: str, text: str) -> None:
        if self._offline_brain:
            return  # the offline brain reads the conversation state directly
        chat_ctx = self.chat_ctx.copy()
        chat_ctx.add_message(role="system", content=f"[{kind}] {text}")
        try:
            await self.update_chat_ctx(chat_ctx)
        except Exception as exc:  # the model missed it: the reply asked next may lack it
            self.runtime.controller.emit("inject_failed", {"kind": kind, "error": repr(exc)})

    def say_and_end(self, text: str) -> None:
        if self._offline_brain:
            handle = self.session.say(text, allow_interruptions=False)
        elif self._realtime:
            # livekit drops allow_interruptions=False while the model detects turns, and the
            # server would cancel the line itself when the caller talks: stop its turn
            # detection and drop what it heard, so the closing line cannot be talked over
            rt_session = self.realtime_llm_session
            rt_session.update_options(turn_detection=None)
            rt_session.clear_audio()
            handle = self.session.generate_reply(
                instructions=f"Say exactly this and nothing else: {text}"
            )
        else:  # a pipeline LLM without our brain: the model says it, uninterrupted
            handle = self.session.generate_reply(
                instructions=f"Say exactly this and nothing else: {text}",
                allow_interruptions=False,
            )

        async def end_after_saying() -> None:
            await handle
            self.session.shutdown(drain=True)

        self._in_background(end_after_saying())

    def _in_background(self, coroutine: object) -> None:
        task = asyncio.ensure_future(coroutine)  # type: ignore[arg-type]
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- guardrails on the way out -------------------------------------------------------------

    def _new_gate(self, *, text_leads: bool = False) -> ReplyGate:
        return ReplyGate(
            self.runtime.guardrails,
            on_violation=self._on_violation,
            on_hold=self.runtime.on_hold,
            buffer_s=0.0 if text_leads else None,
        )

    def _on_violation(self, violation: Violation, frames_released: int) -> None:
        if frames_released:
            self.session.interrupt(force=True)  # what was already handed to the output is unplayed
        self.runtime.on_violation(violation, frames_released)

    async def tts_node(
        self, text: AsyncIterable[str], model_settings: ModelSettings
    ) -> AsyncIterator[rtc.AudioFrame]:
        # each sentence's text is checked before it reaches the TTS, so no audio needs holding
        gate = self._new_gate(text_leads=True)

        async def checked_as_it_goes() -> AsyncIterator[str]:
            async for chunk in text:
                gate.add_text(chunk)
                yield chunk
            gate.end_text()

        frames = Agent.default.tts_node(self, checked_as_it_goes(), model_settings)
        async for frame in gate.hold(frames):
            yield frame

    async def realtime_audio_output_node(
        self, audio: AsyncIterable[rtc.AudioFrame], model_settings: ModelSettings
    ) -> AsyncIterator[rtc.AudioFrame]:
        gate = self._realtime_gate = self._new_gate()
        async for frame in gate.hold(audio):
            yield frame

    async def transcription_node(
        self, text: AsyncIterable[str], model_settings: ModelSettings
    ) -> AsyncIterator[str]:
        guardrails = self.runtime.guardrails
        timeout = guardrails.config.check_timeout_ms / 1000
        realtime_gate = None if self._offline_brain else self._realtime_gate
        # with no audio out (text turns) no gate on the audio acts on a violation: this node does,
        # or a blocked reply would end silently and be asked for again, and again
        text_only = self.session.output.audio is None
        so_far = ""
        async for delta in text:
            so_far += str(delta)
            if realtime_gate is not None:
                realtime_gate.add_text(str(delta))
            complete = so_far.rstrip().endswith((".", "?", "!"))
            try:
                async with asyncio.timeout(timeout):
                    violation = await asyncio.shield(guardrails.check(so_far, complete=complete))
            except TimeoutError:
                violation = check_timed_out(so_far)  # fail closed, like the audio
            if violation is not None:
                if text_only:
                    self.runtime.on_violation(violation, 0)
                return
            yield delta
