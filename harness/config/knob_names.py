"""The names of the knobs a sweep turns, with their units and default steps: what `sweep:` and
`margins:` may name, checked when the YAML is validated (config/knobs.py sets their values)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DIRECTIONS = ("caller_to_agent", "agent_to_caller")


@dataclass(frozen=True)
class KnobName:
    label: str
    unit: str
    resolution: float  # the default step of a sweep
    direction: Literal["optional", "required", "none"]


KNOB_NAMES: dict[str, KnobName] = {
    "snr_db": KnobName("noise SNR", "dB", 1.0, "optional"),
    "loss_percent": KnobName("packet loss", "%", 1.0, "required"),
    "one_way_latency_ms": KnobName("one-way latency", "ms", 25.0, "none"),
    "latency_ms": KnobName("added latency", "ms", 25.0, "required"),
    "jitter_ms": KnobName("jitter (std)", "ms", 10.0, "required"),
    "barge_in_ms": KnobName("barge-in point into the agent's reply", "ms", 100.0, "none"),
    "words_per_minute": KnobName("caller speaking rate", "wpm", 10.0, "none"),
    "pause_s": KnobName("the caller's pause inside a turn", "s", 0.1, "none"),
}


def knob_parts(text: str) -> tuple[str, tuple[str, ...]]:
    """`NAME` or `DIRECTION.NAME` -> the name and the link directions it acts on; ValueError
    saying what is wrong otherwise."""
    direction, _, name = text.rpartition(".")
    knob = KNOB_NAMES.get(name)
    if knob is None:
        raise ValueError(f"unknown knob {text!r} (knobs: {', '.join(KNOB_NAMES)})")
    if direction and direction not in DIRECTIONS:
        raise ValueError(f"knob {text!r}: the direction is one of {', '.join(DIRECTIONS)}")
    if direction and knob.direction == "none":
        raise ValueError(f"knob {text!r}: {name} has no direction, write it as {name!r}")
    if not direction and knob.direction == "required":
        raise ValueError(
            f"knob {text!r} needs a direction: caller_to_agent.{name} or agent_to_caller.{name}"
        )
    return name, (direction,) if direction else DIRECTIONS
