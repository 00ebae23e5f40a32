"""What a sweep will do, checked before its first call: which sessions, which knob over which
grid, what it judges on and what it leaves out, and how many calls it may take.

A sweep judges each call on what can be judged at every point: checks and budgets, and rubrics
only with a judge model configured (they are left out otherwise, and said so). A scenario with
nothing judgeable left is refused, as is a knob that does not apply to it (config/knobs.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ..config.knobs import KnobRef, apply_knob, parse_knob
from ..config.load import file_kind, load_suite
from ..config.models import SweepSpec
from ..errors import ConfigError
from ..judging.margins import MarginRequirement
from ..judging.settings import JudgeSettings
from ..runner import SessionPlan, expand_paths, load_all
from .bisect import Grid


@dataclass(frozen=True)
class SweepPlan:
    """One knob swept over one session of a scenario (a suite cell)."""

    plan: SessionPlan
    knob: KnobRef
    grid: Grid
    repeats: int
    requirement: MarginRequirement | None
    left_out: tuple[str, ...]  # asks of the scenario a sweep cannot judge here

    @property
    def label(self) -> str:
        return f"{self.plan.label}:{self.knob.text}"

    def max_calls(self) -> int:
        """Calls of a cold search at most (both ends, then the midpoints), before retries."""
        return (2 + self.grid.bisection_steps()) * self.repeats

    def at(self, value: float, repeat: int) -> SessionPlan:
        """The session with the knob at `value`, seeded for its `repeat` at that point (the same
        seeds at every point, so neighbouring points differ by the knob alone)."""
        loaded = apply_knob(self.plan.loaded, self.knob, value)
        seeded = loaded.scenario.model_copy(update={"seed": loaded.scenario.seed + repeat})
        return dataclasses.replace(
            self.plan,
            loaded=dataclasses.replace(loaded, scenario=seeded),
            repeat=repeat,
            repeats=max(self.repeats, repeat + 1),
        )


def parse_vary(text: str) -> SweepSpec:
    """`KNOB=FROM..TO` -> a sweep spec (a ConfigError names what is wrong)."""
    knob, equals, span = text.partition("=")
    start, dots, stop = span.partition("..")
    try:
        if not (equals and dots):
            raise ValueError
        ends = float(start), float(stop)
    except ValueError:
        raise ConfigError(
            f"--vary {text!r}: expected KNOB=FROM..TO",
            hint="e.g. --vary caller_to_agent.snr_db=30..0",
        ) from None
    try:
        parse_knob(knob.strip())
    except ConfigError as exc:
        raise ConfigError(f"--vary {text!r}: {exc.message}", hint=exc.hint) from None
    if ends[0] == ends[1]:
        raise ConfigError(f"--vary {text!r}: FROM and TO are the same value: nothing to sweep")
    return SweepSpec(vary=knob.strip(), start=ends[0], stop=ends[1])


def _judgeable(plan: SessionPlan) -> tuple[SessionPlan, tuple[str, ...]]:
    """The session without what it cannot judge (rubrics without a judge model), and what was
    left out; a ConfigError when nothing judgeable is left."""
    scenario = plan.loaded.scenario
    settings = JudgeSettings.resolve(scenario.success.judge)
    left_out: tuple[str, ...] = ()
    if scenario.success.rubrics and not settings.configured:
        left_out = tuple(
            f"rubric {name} ({settings.why_not_configured})" for name in scenario.success.rubrics
        )
        success = scenario.success.model_copy(update={"rubrics": []})
        scenario = scenario.model_copy(update={"success": success})
    if not scenario.success.checks and not scenario.budgets.limits():
        raise ConfigError(
            f"{plan.loaded.scenario_path}: scenario {scenario.name!r} has nothing a sweep can "
            "judge offline: no success checks and no budgets"
            + (f" (left out: {', '.join(left_out)})" if left_out else ""),
            hint="add a check or a budget, or configure a judge model for its rubrics",
        )
    loaded = dataclasses.replace(plan.loaded, scenario=scenario)
    return dataclasses.replace(plan, loaded=loaded), left_out


def _margins_of(path: Path, plan: SessionPlan) -> dict[str, MarginRequirement]:
    """The suite's `margins:` (when `path` is a suite) over the scenario's own (their knob
    names were checked with the YAML)."""
    margins = dict(plan.loaded.scenario.margins)
    if file_kind(path) == "suite":
        margins |= load_suite(path)[0].margins
    return margins


def _specs_of(path: Path, plan: SessionPlan, varies: list[SweepSpec]) -> list[SweepSpec]:
    if varies:
        return varies
    specs = list(plan.loaded.scenario.sweep)
    if file_kind(path) == "suite":
        specs = list(load_suite(path)[0].sweep) or specs
    if not specs:
        raise ConfigError(
            f"{path}: nothing to sweep: give --vary KNOB=FROM..TO or a `sweep:` section",
            hint="e.g. crosstalk sweep SCENARIO --vary caller_to_agent.snr_db=30..0",
        )
    return specs


def _requirement(margins: dict[str, MarginRequirement], knob: KnobRef):
    """The requirement on this knob: written as varied, or without its direction."""
    return margins.get(knob.text) or margins.get(knob.knob.name)


def _sweep_of(plan: SessionPlan, spec: SweepSpec, margins: dict, resolution: float | None):
    knob = parse_knob(spec.vary)
    grid = Grid(spec.start, spec.stop, resolution or spec.resolution or knob.knob.resolution)
    for end in (spec.start, spec.stop):  # a knob that does not apply fails here, before a call
        apply_knob(plan.loaded, knob, end)
    judgeable, left_out = _judgeable(plan)
    return SweepPlan(judgeable, knob, grid, spec.repeats, _requirement(margins, knob), left_out)


def plan_sweeps(
    paths: list[Path],
    varies: list[SweepSpec],
    *,
    resolution: float | None = None,
    repeats: int | None = None,
) -> tuple[list[SweepPlan], list[str]]:
    """Every sweep the paths ask for: each session of each scenario or suite cell (its first
    repeat; the sweep repeats by itself) over each knob, from --vary or the `sweep:` sections;
    and the `margins:` required of a session that none of its sweeps varies (not judged)."""
    sweeps: list[SweepPlan] = []
    unswept: list[str] = []
    for path in expand_paths(paths):  # folders and names as `run` takes them
        plans = [p for p in load_all([path], mode="audio") if p.repeat == 0]
        for plan in plans:
            margins = _margins_of(path, plan)
            mine: list[SweepPlan] = []
            for spec in _specs_of(path, plan, varies):
                if repeats is not None:
                    spec = spec.model_copy(update={"repeats": repeats})
                mine.append(_sweep_of(plan, spec, margins, resolution))
            swept = [_requirement(margins, sweep.knob) for sweep in mine]
            unswept += [
                f"{plan.label}: margins: {name} is required, but this sweep does not vary it"
                for name, requirement in margins.items()
                if not any(requirement is other for other in swept)
            ]
            sweeps += mine
    return sweeps, unswept
