"""The knobs a sweep turns: each maps one number onto existing persona, link or impairment fields.

A knob is named `NAME` or `DIRECTION.NAME` (`caller_to_agent.snr_db`); `KNOBS` is the registry
(docs/sweeps.md lists it). `apply_knob` returns the scenario with the value set, validated by the
same models as the YAML; a knob the scenario gives nothing to act on (a noise SNR on a line with
no noise, a barge-in point for a caller who never barges in) is a `ConfigError` saying why.
The scenario given is the planned one: the persona's own channel is already in the link.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ConfigError
from .knob_names import DIRECTIONS, KNOB_NAMES, knob_parts
from .load import LoadedScenario
from .models import ImpairmentsConfig, JitterImpairment, LossImpairment, NoiseImpairment

Model = TypeVar("Model", bound=BaseModel)
Applier = Callable[[LoadedScenario, float, tuple[str, ...]], LoadedScenario]


@dataclass(frozen=True)
class Knob:
    name: str
    label: str
    unit: str
    resolution: float  # the default step of a sweep
    apply: Applier


@dataclass(frozen=True)
class KnobRef:
    """A knob as written: the registry entry and the link directions it acts on."""

    knob: Knob
    directions: tuple[str, ...]
    text: str

    @property
    def unit(self) -> str:
        return self.knob.unit


def _set(model: Model, **fields: Any) -> Model:
    """`model` with `fields` replaced, validated as if written in YAML."""
    return type(model).model_validate({**model.model_dump(), **fields})


def _with_impairments(
    loaded: LoadedScenario, change: Callable[[str, list[Any]], list[Any]]
) -> LoadedScenario:
    link = loaded.scenario.link
    impairments = ImpairmentsConfig(
        **{d: change(d, list(getattr(link.impairments, d))) for d in DIRECTIONS}
    )
    scenario = loaded.scenario.model_copy(
        update={"link": link.model_copy(update={"impairments": impairments})}
    )
    return dataclasses.replace(loaded, scenario=scenario)


def _snr(loaded: LoadedScenario, value: float, directions: tuple[str, ...]) -> LoadedScenario:
    found = [
        item
        for d in directions
        for item in getattr(loaded.scenario.link.impairments, d)
        if isinstance(item, NoiseImpairment)
    ]
    if not found:
        where = " or ".join(directions)
        raise ValueError(f"the line has no noise on {where} (add a `type: noise` impairment)")

    def change(direction: str, items: list[Any]) -> list[Any]:
        if direction not in directions:
            return items
        return [_set(i, snr_db=value) if isinstance(i, NoiseImpairment) else i for i in items]

    return _with_impairments(loaded, change)


def _impairment_field(kind: type[Model], field: str, new: Callable[[float], Model | None]):
    """A knob on one field of an impairment of `kind`: set where there is one, else added."""

    def apply(loaded: LoadedScenario, value: float, directions: tuple[str, ...]):
        def change(direction: str, items: list[Any]) -> list[Any]:
            if direction not in directions:
                return items
            if not any(isinstance(i, kind) for i in items):
                added = new(value)
                return items + ([added] if added is not None else [])
            if kind is LossImpairment and value == 0:  # no loss: the impairment goes
                return [i for i in items if not isinstance(i, kind)]
            return [_set(i, **{field: value}) if isinstance(i, kind) else i for i in items]

        return _with_impairments(loaded, change)

    return apply


def _latency(loaded: LoadedScenario, value: float, _: tuple[str, ...]) -> LoadedScenario:
    link = _set(loaded.scenario.link, one_way_latency_ms=value)
    return dataclasses.replace(loaded, scenario=loaded.scenario.model_copy(update={"link": link}))


def _barge_in(loaded: LoadedScenario, value: float, _: tuple[str, ...]) -> LoadedScenario:
    persona = loaded.persona
    lines = [
        _set(line, interrupt={"after_ms": value}) if line.interrupt is not None else line
        for line in persona.script
    ]
    barge_in = persona.turn_taking.barge_in
    if barge_in is None and lines == list(persona.script):
        raise ValueError(
            "the persona never barges in (no `interrupt:` line and no turn_taking.barge_in)"
        )
    turn_taking = persona.turn_taking
    if barge_in is not None:
        turn_taking = turn_taking.model_copy(update={"barge_in": _set(barge_in, after_ms=value)})
    persona = persona.model_copy(update={"script": lines, "turn_taking": turn_taking})
    return dataclasses.replace(loaded, persona=persona)


def _speaking_rate(loaded: LoadedScenario, value: float, _: tuple[str, ...]) -> LoadedScenario:
    caller = loaded.scenario.caller
    if caller.brain == "replay":
        raise ValueError("a replayed caller speaks as recorded")
    if caller.backend != "offline":
        raise ValueError(f"the {caller.backend} caller's voice has no speaking rate to set")
    voice = _set(loaded.persona.voice, words_per_minute=round(value))
    return dataclasses.replace(loaded, persona=loaded.persona.model_copy(update={"voice": voice}))


_BARE_PAUSE = re.compile(r"\{\s*pause\s*\}")


def _pause(loaded: LoadedScenario, value: float, _: tuple[str, ...]) -> LoadedScenario:
    persona = loaded.persona
    marked = any(_BARE_PAUSE.search(line.say) for line in persona.script)
    if not marked and not persona.speech.hesitation_rate:
        raise ValueError(
            "the persona has no pause of the default length (no `{pause}` marker in its lines "
            "and no speech.hesitation_rate; a `{pause: SECONDS}` keeps its own length)"
        )
    speech = _set(persona.speech, pause_s=value)
    return dataclasses.replace(loaded, persona=persona.model_copy(update={"speech": speech}))


_APPLIERS: dict[str, Applier] = {
    "snr_db": _snr,
    "loss_percent": _impairment_field(
        LossImpairment,
        "percent",
        lambda v: LossImpairment(type="loss", percent=v) if v > 0 else None,
    ),
    "one_way_latency_ms": _latency,
    "latency_ms": _impairment_field(
        JitterImpairment,
        "extra_latency_ms",
        lambda v: JitterImpairment(type="jitter", std_ms=0, extra_latency_ms=v),
    ),
    "jitter_ms": _impairment_field(
        JitterImpairment, "std_ms", lambda v: JitterImpairment(type="jitter", std_ms=v)
    ),
    "barge_in_ms": _barge_in,
    "words_per_minute": _speaking_rate,
    "pause_s": _pause,
}
KNOBS: dict[str, Knob] = {
    name: Knob(name, entry.label, entry.unit, entry.resolution, _APPLIERS[name])
    for name, entry in KNOB_NAMES.items()
}


def parse_knob(text: str) -> KnobRef:
    """`NAME` or `DIRECTION.NAME` -> the knob; an unknown one is a ConfigError (message only:
    the caller adds where it was written)."""
    try:
        name, directions = knob_parts(text)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="see docs/sweeps.md for the knobs") from None
    return KnobRef(KNOBS[name], directions, text)


def apply_knob(loaded: LoadedScenario, ref: KnobRef, value: float) -> LoadedScenario:
    """The scenario with the knob at `value`; a ConfigError when it does not apply or the value
    is out of its field's range."""
    try:
        return ref.knob.apply(loaded, value, ref.directions)
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise ConfigError(
            f"{loaded.scenario_path}: knob {ref.text} = {value:g}: {problem['msg']}"
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"{loaded.scenario_path}: knob {ref.text} does not apply to scenario "
            f"{loaded.scenario.name!r}: {exc}"
        ) from None
