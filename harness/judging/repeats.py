"""Repeatability: how often a scenario passes when run k times, and pass^k (all k runs pass).

Sessions are grouped by scenario x variant x persona (`RepeatGroup`, one per matrix cell: the
report's cells are these groups too). Beside the mean pass rate, `pass_hat_k[j]` estimates the
chance that j fresh runs would all pass (tau-bench's pass^k: C(passes, j) / C(runs, j));
`pass_all` is pass^k for the k runs that were made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from ..rundir.files import read_object_or_none
from ..rundir.layout import SessionPaths
from .modes import cell_variant
from .outcome import outcome_of
from .run_verdict import facts_of, session_dirs

CellKey = tuple[str, str, str]  # scenario, variant, persona: one cell of the matrix


def pass_hat_k(passes: int, trials: int, k: int) -> float | None:
    """The chance that k fresh tries all pass, estimated from `passes` of `trials` (tau-bench)."""
    if trials == 0 or k < 1 or k > trials:
        return None
    return comb(passes, k) / comb(trials, k)


class Repeat(Protocol):
    """A session as grouping sees it: its id, its matrix cell and whether it passed."""

    @property
    def session_id(self) -> str: ...

    @property
    def cell(self) -> CellKey: ...

    @property
    def passed(self) -> bool: ...


RepeatT = TypeVar("RepeatT", bound=Repeat)


@dataclass
class RepeatGroup(Generic[RepeatT]):
    """The repeats of one scenario x variant x persona."""

    scenario: str
    variant: str
    persona: str
    sessions: list[RepeatT] = field(default_factory=list)

    @property
    def key(self) -> str:
        return "/".join(part for part in (self.scenario, self.variant, self.persona) if part)

    @property
    def runs(self) -> int:
        return len(self.sessions)

    @property
    def passes(self) -> int:
        return sum(session.passed for session in self.sessions)

    @property
    def pass_rate(self) -> float:
        return round(self.passes / self.runs, 4) if self.runs else 0.0

    @property
    def pass_all(self) -> bool:
        return self.runs > 0 and self.passes == self.runs

    @property
    def pass_hat_k(self) -> dict[int, float]:
        return {
            k: round(pass_hat_k(self.passes, self.runs, k) or 0.0, 4)
            for k in range(1, self.runs + 1)
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "persona": self.persona,
            "variant": self.variant,
            "runs": self.runs,
            "passes": self.passes,
            "sessions": [session.session_id for session in self.sessions],
            "pass_rate": self.pass_rate,
            "pass_all": self.pass_all,
            "pass_hat_k": {str(k): value for k, value in self.pass_hat_k.items()},
        }


def group_repeats(sessions: Iterable[RepeatT]) -> list[RepeatGroup[RepeatT]]:
    """`sessions` grouped by matrix cell, in the order each cell first appears."""
    groups: dict[CellKey, RepeatGroup[RepeatT]] = {}
    for session in sessions:
        groups.setdefault(session.cell, RepeatGroup(*session.cell)).sessions.append(session)
    return list(groups.values())


@dataclass(frozen=True)
class SessionPass:
    """A finished session of a run directory: its cell and whether it passed."""

    session_id: str
    cell: CellKey
    passed: bool


def _cell(document: dict[str, Any], directory: Path) -> CellKey:
    scenario = _dict(document.get("scenario"))
    persona = _dict(document.get("persona"))
    return (
        str(document.get("scenario_name") or scenario.get("name") or directory.name),
        cell_variant(document),
        str(document.get("persona_name") or persona.get("name", "?")),
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def repeat_groups(run_dir: Path) -> list[RepeatGroup[SessionPass]]:
    """Every scenario x persona x variant of the run with its runs and passes, in name order.
    Every session counts, as results.json's cells count it: one left "running", cancelled or
    unreadable is a run that did not pass (`outcome.outcome_of` says why)."""
    facts = facts_of(run_dir)
    sessions = [
        SessionPass(
            directory.name,
            _cell(read_object_or_none(SessionPaths(directory).session) or {}, directory),
            outcome_of(directory).passed,
        )
        for directory in session_dirs(run_dir, facts)
    ]
    groups = group_repeats(sessions)
    return sorted(groups, key=lambda group: (group.scenario, group.persona, group.variant))
