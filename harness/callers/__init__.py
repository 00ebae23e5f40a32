"""Simulated callers: the persona-driven side of a call, with one interface and three brains.

`scripted` says the persona's lines (deterministic, the CI default), `llm` lets a model play the
persona, `replay` plays a recorded caller. All decide when to speak from what they hear.
"""

from __future__ import annotations

from pathlib import Path

from .base import CallerContext, CallerState, SimulatedCaller
from .hearing import HeardSpeech
from .llm import LLMCaller
from .replay import ReplayCaller
from .scripted import ScriptedCaller


def build_caller(ctx: CallerContext, *, sample_rate: int) -> SimulatedCaller:
    caller = ctx.scenario.caller
    if caller.brain == "llm":
        template = Path(caller.template) if caller.template else None
        if template is not None and not template.is_absolute():
            template = ctx.scenario_dir / template
        return LLMCaller(ctx, model=caller.model, template=template)
    if caller.brain == "replay":
        assert caller.replay is not None
        return ReplayCaller(ctx, caller.replay, sample_rate)
    return ScriptedCaller(ctx)


__all__ = [
    "CallerContext",
    "CallerState",
    "HeardSpeech",
    "LLMCaller",
    "ReplayCaller",
    "ScriptedCaller",
    "SimulatedCaller",
    "build_caller",
]
