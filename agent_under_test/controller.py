"""The event-driven controller: one async event bus for everything that happens in a session.

Every event (livekit session events, tool calls, thinker results, guardrail decisions, policy
guidance, state changes, errors) goes through `emit`: it is stamped with the session clock,
queued for storage and handed to the small handlers registered for its type. A handler that
returns a coroutine has it run as a background task the controller owns; a handler that raises
is logged (a `handler_error` event) and the session carries on. `aclose` cancels and awaits every
task the controller started, then flushes the store.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from .store import AgentStore, Event

logger = logging.getLogger(__name__)

Handler = Callable[[Event], Coroutine[Any, Any, None] | None]
ANY_EVENT = "*"
_FLUSH_EVERY_S = 0.1


class Controller:
    def __init__(self, store: AgentStore, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock
        self._handlers: dict[str, list[Handler]] = defaultdict(list)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False
        self.handling_s: list[float] = []  # per emitted event: time spent in emit, seconds
        self.handler_errors = 0

    def on(self, event_type: str, handler: Handler) -> None:
        """Call `handler(event)` for every event of `event_type` (`"*"`: every event)."""
        self._handlers[event_type].append(handler)

    def emit(self, event_type: str, data: dict[str, Any] | None = None) -> Event:
        started = time.perf_counter()
        event = Event(self.clock(), event_type, data or {})
        if self._closed:
            return event
        self.store.append(event)
        for handler in (*self._handlers.get(event_type, ()), *self._handlers.get(ANY_EVENT, ())):
            try:
                result = handler(event)
                if inspect.iscoroutine(result):
                    self.spawn(result, name=f"{_name(handler)}:{event_type}")
            except Exception as exc:
                self._handler_failed(_name(handler), event_type, exc)
        self.handling_s.append(time.perf_counter() - started)
        return event

    def _handler_failed(self, handler: str, event_type: str, exc: BaseException) -> None:
        self.handler_errors += 1
        logger.error("agent event handler %s failed on %s", handler, event_type, exc_info=exc)
        if event_type != "handler_error":
            self.emit(
                "handler_error",
                {
                    "handler": handler,
                    "event_type": event_type,
                    "error": f"{type(exc).__name__}: {exc}",
                },
            )

    def spawn(self, coroutine: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `coroutine` in the background; the controller cancels it on close."""
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._handler_failed(task.get_name(), task.get_name().rpartition(":")[2], exc)

    async def run_flusher(self) -> None:
        """Write queued events to disk every 100 ms (a background task of its own)."""
        while True:
            await asyncio.sleep(_FLUSH_EVERY_S)
            await self.store.flush()

    def start(self) -> None:
        self.spawn(self.run_flusher(), name="store-flusher")

    async def stop_tasks(self) -> None:
        """Cancel and await every background task the controller started."""
        current = asyncio.current_task()
        tasks = [task for task in self._tasks if task is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def aclose(self) -> None:
        """Stop every task, write what is left and close the store (later events are dropped)."""
        await self.stop_tasks()
        self._closed = True
        await self.store.close()


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)
