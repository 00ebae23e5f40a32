"""Repeatability: how often a scenario passes when run k times, and pass^k (all k runs pass).

Sessions are grouped by scenario x persona x variant from their session.json. Beside the mean
pass rate, `pass_hat_k[j]` estimates the chance that j fresh runs would all pass (tau-bench's
pass^k: C(passes, j) / C(runs, j)); `pass_all` is pass^k for the k runs that were made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..reports.stats import pass_hat_k
from ..rundir.files import read_object_or_none
from ..rundir.layout import RunPaths, SessionPaths
from .outcome import decide


@dataclass(frozen=True)
class RepeatGroup:
    scenario: str
    persona: str
    variant: str
    runs: int
    passes: int
    sessions: list[str] = field(default_factory=list)

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
            **asdict(self),
            "pass_rate": self.pass_rate,
            "pass_all": self.pass_all,
            "pass_hat_k": {str(k): value for k, value in self.pass_hat_k.items()},
        }


def session_passed(session_dir: Path, document: dict[str, Any]) -> bool:
    """Passed as `outcome.decide` says, from session.json and the latest judgement.json (which
    `crosstalk judge` may have rewritten since): an inconclusive repeat is not a pass."""
    judgement = read_object_or_none(SessionPaths(session_dir).judgement)
    return decide(str(document.get("status")), document, judgement).passed


def _group_key(document: dict[str, Any]) -> tuple[str, str, str]:
    scenario = document.get("scenario") or {}
    persona = document.get("persona") or {}
    return (
        str(document.get("scenario_name") or scenario.get("name", "?")),
        str(document.get("persona_name") or persona.get("name", "?")),
        str(document.get("variant") or ""),
    )


def repeat_groups(run_dir: Path) -> list[RepeatGroup]:
    """Every scenario x persona x variant of the run with its runs and passes, in name order."""
    grouped: dict[tuple[str, str, str], list[tuple[str, bool]]] = {}
    for paths in RunPaths(run_dir).sessions():
        document = read_object_or_none(paths.session)
        if document is None or document.get("status") in ("running", "cancelled"):
            continue  # an unreadable or unfinished call is no evidence either way
        key = _group_key(document)
        grouped.setdefault(key, []).append(
            (paths.directory.name, session_passed(paths.directory, document))
        )
    return [
        RepeatGroup(
            *key,
            runs=len(items),
            passes=sum(ok for _, ok in items),
            sessions=[name for name, _ in items],
        )  # fmt: skip
        for key, items in sorted(grouped.items())
    ]
