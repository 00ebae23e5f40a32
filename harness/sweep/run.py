"""A sweep on real calls: each knob's search (bisect.py) placing its calls through the runner,
every call a run directory of its own inside the sweep's, and the sweep's verdict.

The search runs in a thread; each call it asks for is placed on the event loop by the runner
as `crosstalk run` places it (`run_plans`, side by side up to the concurrency), and decided by
the one session verdict (judging/outcome.py). The margins found are judged against the
requirements and the baseline (judging/margins.py) and weighed by `decide_run`; the calls
themselves are not: failing beyond the cliff is what they are for.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..judging.margins import MarginFound, margin_outcome
from ..judging.outcome import SessionOutcome
from ..judging.reasons import Reason
from ..judging.run_verdict import RunFacts, RunVerdict, decide_run
from ..rundir.documents import write_sweep
from ..runner import Progress
from ..runner.run import new_run_id, run_plans
from ..runner.session_result import SessionResult
from .bisect import Outcome, Search, bisect
from .plan import SweepPlan

SCHEMA = "crosstalk.sweep/1"


@dataclass(frozen=True)
class SweepOptions:
    out: Path = Path("reports")
    concurrency: int = 1
    max_calls: int = 40
    baseline: dict[str, MarginFound] = field(default_factory=dict)  # by sweep label
    tolerance: float | None = None  # in the knob's units; default one resolution step
    quiet: bool = False


@dataclass(frozen=True)
class CallRecord:
    number: int  # the call's place in the sweep's order, from 1
    value: float
    repeat: int
    outcome: Outcome
    run_dir: str
    session_dir: str | None
    figure: dict[str, Any] | None  # the scenario's first budget: {budget, measured_ms, limit_ms}
    reasons: tuple[str, ...]


@dataclass
class SweepOutcome:
    plan: SweepPlan
    search: Search
    found: MarginFound
    verdict: SessionOutcome
    calls: list[CallRecord]

    def to_json(self) -> dict[str, Any]:
        plan, grid = self.plan, self.plan.grid
        requirement = plan.requirement
        points = [
            {
                "value": point.value,
                "outcome": point.verdict(plan.repeats),
                "calls": [
                    vars(c) | {"reasons": list(c.reasons)}
                    for c in self.calls
                    if c.value == point.value
                ],
            }
            for _, point in sorted(self.search.points.items(), key=lambda item: item[1].value)
        ]
        return {
            "label": plan.label,
            "scenario": plan.plan.loaded.scenario.name,
            "scenario_file": str(plan.plan.loaded.scenario_path),
            "knob": plan.knob.text,
            "knob_label": plan.knob.knob.label,
            "unit": plan.knob.unit,
            "from": grid.start,
            "to": grid.stop,
            "resolution": grid.resolution,
            "repeats": plan.repeats,
            "left_out": list(plan.left_out),
            "requirement": requirement.model_dump(exclude_none=True) if requirement else None,
            "out_of_calls": self.search.out_of_calls,
            "margin": self.found.to_json(),
            **self.verdict.to_json(),
            "points": points,
        }


@dataclass
class SweepRun:
    directory: Path
    sweeps: list[SweepOutcome] = field(default_factory=list)
    unswept: tuple[str, ...] = ()  # margins required of a scenario that no sweep varied

    @property
    def verdict(self) -> RunVerdict:
        not_swept = [Reason("margin", text, "margins") for text in self.unswept]
        margins = (*(s.verdict for s in self.sweeps), SessionOutcome.of([], not_swept))
        return decide_run([], RunFacts(), margins=margins)

    def to_json(self) -> dict[str, Any]:
        verdict = self.verdict
        return {
            "schema": SCHEMA,
            "directory": str(self.directory),
            "outcome": verdict.outcome,
            "exit_code": verdict.exit_code(),
            "run": verdict.to_json(),
            "sweeps": [sweep.to_json() for sweep in self.sweeps],
        }


def _record(
    number: int, value: float, repeat: int, run_dir: str, session: SessionResult | None
) -> CallRecord:
    if session is None:  # the call never produced a session (an infrastructure error)
        why = ("the call could not be placed (see the run's log)",)
        return CallRecord(number, value, repeat, "inconclusive", run_dir, None, None, why)
    verdict = session.verdict
    figure = session.budgets[0] if session.budgets else None
    # a call that broke (a crash, a dead worker) says nothing about the agent at this value
    outcome: Outcome = "inconclusive" if verdict.broke else verdict.outcome
    reasons = tuple(verdict.reasons)
    return CallRecord(number, value, repeat, outcome, run_dir, session.directory, figure, reasons)


class _Caller:
    """The search's `evaluate`: places the calls it asks for on the event loop and waits."""

    def __init__(self, sweep: SweepPlan, directory: Path, options: SweepOptions, loop):
        self.sweep, self.directory, self.options, self.loop = sweep, directory, options, loop
        self.calls: list[CallRecord] = []

    def __call__(self, value: float, first_repeat: int, count: int) -> list[Outcome]:
        plans = [(r, self.sweep.at(value, r)) for r in range(first_repeat, first_repeat + count)]
        progress = Progress(quiet=self.options.quiet)
        placing = run_plans(
            plans, self.directory, progress, concurrency=min(count, self.options.concurrency)
        )
        result = asyncio.run_coroutine_threadsafe(placing, self.loop).result()
        by_repeat = {int(s.session_id.split("-", 1)[0]): s for s in result.sessions}
        records = [
            _record(len(self.calls) + n + 1, value, r, result.directory, by_repeat.get(r))
            for n, (r, _) in enumerate(plans)
        ]
        self.calls.extend(records)
        return [record.outcome for record in records]


def _found(sweep: SweepPlan, search: Search) -> MarginFound:
    return MarginFound(
        knob=sweep.knob.text,
        unit=sweep.knob.unit,
        status=search.status,
        pass_value=search.pass_value,
        fail_value=search.fail_value,
        resolution=sweep.grid.resolution,
        calls=search.calls,
    )


def _previous(baseline: MarginFound | None) -> tuple[float, float] | None:
    if baseline is None or baseline.pass_value is None or baseline.fail_value is None:
        return None
    return baseline.pass_value, baseline.fail_value


async def run_sweeps(
    sweeps: list[SweepPlan], options: SweepOptions, unswept: tuple[str, ...] = ()
) -> SweepRun:
    """Each sweep in turn, within `options.max_calls` calls in all; sweep.json is rewritten
    after each, so an interrupted sweep keeps what it found."""
    directory = options.out / f"sweep-{new_run_id()}"
    directory.mkdir(parents=True, exist_ok=True)
    run = SweepRun(directory, unswept=unswept)
    loop = asyncio.get_running_loop()
    used = 0
    for sweep in sweeps:
        caller = _Caller(sweep, directory, options, loop)
        baseline = options.baseline.get(sweep.label)
        search = await asyncio.to_thread(
            bisect,
            caller,
            sweep.grid,
            repeats=sweep.repeats,
            max_calls=max(0, options.max_calls - used),
            previous=_previous(baseline),
        )
        used += search.calls
        found = _found(sweep, search)
        verdict = margin_outcome(found, sweep.requirement, baseline, options.tolerance)
        run.sweeps.append(SweepOutcome(sweep, search, found, verdict, caller.calls))
        write_sweep(directory, run.to_json())
    write_sweep(directory, run.to_json())
    return run


def baseline_margins(document: dict[str, Any]) -> dict[str, MarginFound]:
    """The margins of a previous sweep.json, by sweep label."""
    found: dict[str, MarginFound] = {}
    for sweep in document.get("sweeps") or []:
        margin = sweep.get("margin") if isinstance(sweep, dict) else None
        if not isinstance(margin, dict):
            continue
        try:
            found[str(sweep["label"])] = MarginFound(
                knob=str(margin["knob"]),
                unit=str(margin.get("unit", "")),
                status=margin["status"],
                pass_value=margin.get("pass_value"),
                fail_value=margin.get("fail_value"),
                resolution=float(margin["resolution"]),
                calls=int(margin.get("calls", 0)),
            )
        except (KeyError, TypeError, ValueError):
            continue
    return found
