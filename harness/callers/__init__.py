"""Simulated callers: the persona-driven side of a call, with one interface and three brains.

`scripted` says the persona's lines (deterministic, the CI default), `llm` lets a model play the
persona, `replay` plays a recorded caller. All decide when to speak from what they hear.
"""

from __future__ import annotations

from pathlib import Path

from ..backends import Backend
from ..config import LoadedScenario
from ..config.persona import pause_parts
from ..errors import ConfigError
from ..yaml_models import FieldPath, load_yaml
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


def _speaks_over_the_agent(loaded: LoadedScenario) -> FieldPath | None:
    persona = loaded.persona
    for index, line in enumerate(persona.script):
        if line.interrupt is not None:
            return ("script", index, "interrupt")
        if line.aside:
            return ("script", index, "aside")
        if len(pause_parts(line.say, persona.speech.pause_s)) > 1:
            return ("script", index, "say")
    for name in ("barge_in", "backchannels"):
        if getattr(persona.turn_taking, name) is not None:
            return ("turn_taking", name)
    return None


def check_caller_backend(loaded: LoadedScenario, backend: Backend) -> None:
    """Refuse, before any call, a persona its backend cannot play.

    A backend with its own brain (a realtime model) speaks only the turns it decides on: it has
    no TTS of its own to say a barge-in or a backchannel over the agent with, to go silent in
    the middle of a line, or to turn an aside away from the phone.
    """
    if backend.agent_has_own_brain():
        return
    field = _speaks_over_the_agent(loaded)
    if field is None:
        return
    where = load_yaml(loaded.persona_path).where(field)
    dotted = ".".join(str(part) for part in field)
    raise ConfigError(
        f"{where}: {dotted}: a caller on backend '{backend.name}' cannot speak over the agent, "
        "pause inside a line or turn aside (these need a TTS of the caller's own)",
        hint="use caller.backend: offline for this persona, or remove the barge-in, "
        "backchannels, pauses or aside",
    )


__all__ = [
    "CallerContext",
    "CallerState",
    "HeardSpeech",
    "LLMCaller",
    "ReplayCaller",
    "ScriptedCaller",
    "SimulatedCaller",
    "build_caller",
    "check_caller_backend",
]
