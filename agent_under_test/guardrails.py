"""Realtime guardrails: what the agent is about to say is checked while its audio is held back.

`Guardrails.check(text)` runs the configured rules on the text of a reply so far (fast rules
inline, LLM moderation as a task) and caches the verdict by text. `ReplyGate` holds one reply's
outgoing audio frames for `buffer_ms` and releases a frame only once every check of the text
received so far has passed; on a violation it drops what it holds, releases nothing more and
hands the violation to the responder (redirect, adjust or end). A check that has not finished
within `check_timeout_ms` fails closed. Each reply's added latency is logged (`guardrail_hold`).
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livekit import rtc

from .config import (
    ForbiddenPhrasesRule,
    GuardrailsConfig,
    ModerationRule,
    OtherCustomerDataRule,
    PatternRule,
    RuleConfig,
)
from .conversation import Facts

Moderator = Callable[[str, str], Awaitable[tuple[bool, str]]]
_CACHE_SIZE = 128


@dataclass(frozen=True)
class Violation:
    rule: str
    action: str
    reason: str
    say: str
    instruction: str
    text: str


def check_timed_out(text: str) -> Violation:
    """A check that did not finish in time: the reply is redirected (fail closed)."""
    return Violation("check_timeout", "redirect", "a check did not finish in time", "", "", text)


def normalise(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9@]+", text.lower())) + " "


class Guardrails:
    def __init__(
        self,
        config: GuardrailsConfig,
        facts: Facts,
        customer_data: dict[str, list[str]],
        moderator: Moderator | None = None,
    ) -> None:
        self.config = config
        self._facts = facts
        self._customer_data = {
            customer: [normalise(value) for value in values if value.strip()]
            for customer, values in customer_data.items()
        }
        self._moderator = moderator
        self._patterns = {
            rule.name: [re.compile(p, re.IGNORECASE) for p in rule.patterns]
            for rule in config.rules
            if isinstance(rule, PatternRule)
        }
        self._cache: OrderedDict[str, asyncio.Future[Violation | None]] = OrderedDict()

    @property
    def buffer_s(self) -> float:
        return self.config.buffer_ms / 1000

    def _violation(self, rule: RuleConfig, reason: str, text: str) -> Violation:
        return Violation(rule.name, rule.action, reason, rule.say, rule.instruction, text)

    def check_now(self, text: str) -> Violation | None:
        """The fast rules, inline (microseconds): the first that `text` breaks, if any."""
        normalised = normalise(text)
        for rule in self.config.rules:
            if isinstance(rule, ForbiddenPhrasesRule):
                for phrase in rule.phrases:
                    if normalise(phrase) in normalised:
                        return self._violation(rule, f"forbidden phrase {phrase!r}", text)
            elif isinstance(rule, PatternRule):
                for pattern in self._patterns[rule.name]:
                    if found := pattern.search(text):
                        return self._violation(rule, f"matched {found.group(0)!r}", text)
            elif isinstance(rule, OtherCustomerDataRule):
                for customer, values in self._customer_data.items():
                    if customer == self._facts.customer_id:
                        continue
                    for value in values:
                        if value in normalised:
                            return self._violation(rule, f"names data of customer {customer}", text)
        return None

    def check(self, text: str, *, complete: bool) -> asyncio.Future[Violation | None]:
        """The verdict on `text` (a reply so far); LLM moderation runs on complete sentences."""
        key = f"{complete}:{text}"
        if (cached := self._cache.get(key)) is not None:
            return cached
        loop = asyncio.get_running_loop()
        moderation = [r for r in self.config.rules if isinstance(r, ModerationRule)]
        fast = self.check_now(text)
        if fast is not None or not (moderation and complete and self._moderator):
            future: asyncio.Future[Violation | None] = loop.create_future()
            future.set_result(fast)
        else:
            future = loop.create_task(self._moderate(moderation, text))
        self._cache[key] = future
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return future

    async def _moderate(self, rules: list[ModerationRule], text: str) -> Violation | None:
        assert self._moderator is not None
        for rule in rules:
            allowed, reason = await self._moderator(text, rule.policy)
            if not allowed:
                return self._violation(rule, f"moderation: {reason}", text)
        return None


Hold = dict[str, Any]


class ReplyGate:
    """One reply: its text, the checks on it, and its audio held until they pass."""

    def __init__(
        self,
        guardrails: Guardrails,
        *,
        on_violation: Callable[[Violation, int], None],
        on_hold: Callable[[Hold], None],
        buffer_s: float | None = None,
    ) -> None:
        """`buffer_s`: hold each frame this long (default `buffer_ms`); 0 where text leads audio."""
        self._guardrails = guardrails
        self._buffer_s = guardrails.buffer_s if buffer_s is None else buffer_s
        self._on_violation = on_violation
        self._on_hold = on_hold
        self.text = ""
        self._checks: list[asyncio.Future[Violation | None]] = []
        self.violation: Violation | None = None

    def add_text(self, chunk: str) -> None:
        self.text += chunk
        complete = self.text.rstrip().endswith((".", "?", "!"))
        self._checks.append(self._guardrails.check(self.text, complete=complete))

    def end_text(self) -> None:
        if self.text.strip():
            self._checks.append(self._guardrails.check(self.text, complete=True))

    async def verdict(self) -> Violation | None:
        """Wait for every check of the text so far; the first violation, if any."""
        if self.violation is not None:
            return self.violation
        pending = [check for check in self._checks if not check.done()]
        if pending:
            timeout = self._guardrails.config.check_timeout_ms / 1000
            _, late = await asyncio.wait(pending, timeout=timeout)
            if late:
                self.violation = check_timed_out(self.text)
                return self.violation
        for check in self._checks:
            if not check.cancelled() and check.exception() is None and check.result():
                self.violation = check.result()
                return self.violation
        return None

    async def hold(self, frames: AsyncIterable[rtc.AudioFrame]) -> AsyncIterator[rtc.AudioFrame]:
        """`frames`, each released `buffer_ms` after it arrived and once its text is cleared."""
        loop = asyncio.get_running_loop()
        arrived: asyncio.Queue[tuple[float, rtc.AudioFrame] | None] = asyncio.Queue()

        async def pump() -> None:
            try:
                async for frame in frames:
                    arrived.put_nowait((loop.time(), frame))
            finally:
                arrived.put_nowait(None)

        pump_task = loop.create_task(pump())
        released = 0
        first_in: float | None = None
        try:
            while (item := await arrived.get()) is not None:
                came_at, frame = item
                first_in = came_at if first_in is None else first_in
                if (wait := came_at + self._buffer_s - loop.time()) > 0:
                    await asyncio.sleep(wait)
                checks_started = loop.time()
                if (violation := await self.verdict()) is not None:
                    self._on_violation(violation, released)
                    return
                if released == 0:
                    now = loop.time()
                    self._on_hold(
                        {
                            "added_ms": round((now - came_at) * 1000, 2),
                            "buffer_ms": round(self._buffer_s * 1000, 2),
                            "checks_wait_ms": round((now - checks_started) * 1000, 2),
                        }
                    )
                released += 1
                yield frame
            if pump_task.done() and (error := pump_task.exception()) is not None:
                raise error
        finally:
            pump_task.cancel()
            await asyncio.gather(pump_task, return_exceptions=True)
