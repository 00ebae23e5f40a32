"""Decides when a call is over, from the event stream: the caller is done, or a side closed.

The caller says when it is done (a `caller_done` event: its script is finished, or the model
hung up); the call then ends when the agent has answered (or stayed silent for
`answer_timeout_s`). `max_turns` ends it after that many turns of both sides. A side closing on
error ends it at once, and so does the agent hanging up (its session closing, or a remote agent
leaving the room: `remote_left`).

A remote agent (LiveKit room, phone) has no local session: its lines are counted from what the
caller heard of it (the caller's transcribed `user` items), so answers, `max_turns` and hang-ups
mean the same as in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["completed", "max_duration", "max_turns", "error"]


@dataclass
class CallMonitor:
    max_turns: int | None = None
    agent_is_remote: bool = False
    answer_timeout_s: float = 8.0
    lines_said: dict[str, int] = field(default_factory=lambda: {"caller": 0, "agent": 0})
    agent_speaking: bool = False
    caller_done_at: float | None = None
    agent_answered: bool = False
    error: str | None = None
    agent_hung_up: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_event(self, record: dict[str, Any]) -> None:
        side, kind, data = record["side"], record["type"], record["data"]
        role = data.get("item", {}).get("role") if kind == "conversation_item_added" else None
        if role == "assistant" or (self.agent_is_remote and side == "caller" and role == "user"):
            speaker = "agent" if role == "user" else side
            self.lines_said[speaker] += 1
            if speaker == "agent" and self.caller_done_at is not None:
                self.agent_answered = True
        elif kind == "remote_left":
            self.agent_hung_up = True
        elif kind == "caller_done":
            self.caller_done_at = self.caller_done_at or record["t"]
        elif kind == "agent_state_changed" and side == "agent":
            self.agent_speaking = data.get("new_state") == "speaking"
        elif kind == "close" and data.get("reason") == "error" and self.error is None:
            self.error = f"the {side} side closed on an error: {_describe(data.get('error'))}"
        elif kind == "close" and side == "agent":
            self.agent_hung_up = True
        elif kind == "error" and not data.get("error", {}).get("recoverable", True):
            self.error = f"the {side} side failed: {_describe(data.get('error'))}"
        self._changed.set()

    @property
    def turns_reached(self) -> bool:
        return self.max_turns is not None and sum(self.lines_said.values()) >= self.max_turns

    def finished(self, now: float) -> bool:
        if self.error is not None or self.agent_hung_up:
            return True
        if self.turns_reached and not self.agent_speaking:
            return True
        if self.caller_done_at is None:
            return False
        if self.agent_answered and not self.agent_speaking:
            return True
        return not self.agent_speaking and now - self.caller_done_at >= self.answer_timeout_s

    async def wait(self, clock_now: Any, max_duration_s: float) -> Outcome:
        while not self.finished(clock_now()):
            remaining = max_duration_s - clock_now()
            if remaining <= 0:
                return "max_duration"
            self._changed.clear()
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation (Ctrl-C)
            # that lands as the event fires, and events fire many times a second here
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining, 0.25)):
                    await self._changed.wait()
        if self.error:
            return "error"
        return "max_turns" if self.caller_done_at is None and self.turns_reached else "completed"


def _describe(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("type") or error)
    return str(error or "unknown error")
