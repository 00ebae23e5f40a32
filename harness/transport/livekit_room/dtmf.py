"""When to press keys: a scenario's DTMF steps, fired by the call's own events or by the clock.

A step with `after_agent_turns: N` fires once the caller has heard N agent turns (its session
added N "user" items: the agent is the caller's user); `at_s: T` fires at session time T.
Sending is the transport's job; this only decides when, so it is tested on synthetic events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ...config.models import DtmfStep

logger = logging.getLogger(__name__)

SendDigits = Callable[[DtmfStep], Awaitable[None]]


class DtmfPlan:
    def __init__(self, steps: list[DtmfStep], send: SendDigits) -> None:
        self._by_turns = sorted(
            (s for s in steps if s.after_agent_turns is not None),
            key=lambda s: s.after_agent_turns or 0,
        )
        self._timed = sorted((s for s in steps if s.at_s is not None), key=lambda s: s.at_s or 0)
        self._send = send
        self.agent_turns_heard = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, clock_now: Callable[[], float]) -> None:
        """Fire the steps due at once, and schedule the timed ones on the session clock."""
        self._fire_turn_steps()
        for step in self._timed:
            self._spawn(self._send_at(step, clock_now))

    def on_event(self, record: dict[str, Any]) -> None:
        item = record["data"].get("item", {}) if isinstance(record.get("data"), dict) else {}
        if (
            record.get("side") == "caller"
            and record.get("type") == "conversation_item_added"
            and item.get("role") == "user"
        ):
            self.agent_turns_heard += 1
            self._fire_turn_steps()

    def _fire_turn_steps(self) -> None:
        heard = self.agent_turns_heard
        while self._by_turns and (self._by_turns[0].after_agent_turns or 0) <= heard:
            self._spawn(self._send(self._by_turns.pop(0)))

    async def _send_at(self, step: DtmfStep, clock_now: Callable[[], float]) -> None:
        await asyncio.sleep(max(0.0, (step.at_s or 0.0) - clock_now()))
        await self._send(step)

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("sending DTMF failed: %r", task.exception())

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
