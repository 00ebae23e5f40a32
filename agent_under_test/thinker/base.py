"""The thinker's seam: a job in (what the caller said, what is known), a result out.

Thinkers run out of band, as background tasks of the controller, and never speak: their
`ThinkerResult.say` is injected into the responder's context and spoken at the next natural
point. Two implementations: the offline planner and any OpenAI-compatible chat model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..tools import ToolBox


@dataclass(frozen=True)
class ThinkJob:
    job_id: int
    utterance: str
    history: tuple[tuple[str, str], ...]  # (role, text), oldest first
    facts: dict[str, Any]


@dataclass(frozen=True)
class ThinkerResult:
    job_id: int
    say: str
    steps: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)


class Thinker(Protocol):
    name: str

    async def think(self, job: ThinkJob, tools: ToolBox) -> ThinkerResult:
        """Plan, call tools (possibly in parallel), and return what to tell the caller."""
