"""The thinker: reasoning out of band (tools, retrieval, plans), by the configured kind."""

from __future__ import annotations

from ..config import ThinkerConfig
from .base import Thinker, ThinkerResult, ThinkJob
from .openai_chat import OpenAIThinker
from .planner import PlannerThinker


def build_thinker(config: ThinkerConfig, *, backend: str) -> Thinker:
    """The configured thinker; `auto` follows the backend (a chat model with `openai`)."""
    if config.kind == "openai" or (config.kind == "auto" and backend == "openai"):
        return OpenAIThinker(config.model, max_steps=config.max_steps, timeout_s=config.timeout_s)
    return PlannerThinker()


__all__ = [
    "OpenAIThinker",
    "PlannerThinker",
    "ThinkJob",
    "Thinker",
    "ThinkerResult",
    "build_thinker",
]
