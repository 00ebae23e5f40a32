"""What counts as a regression: how large a change must be, per kind of figure, and whether a
baseline scenario missing from the run counts (by default it does: lost coverage regresses)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    latency_ms: float = 100.0
    score: float = 0.1
    pass_rate: float = 0.2
    missing_is_regression: bool = True

    def of(self, unit: str, name: str) -> float:
        if unit == "ms":
            return self.latency_ms
        return self.pass_rate if name == "pass_rate" else self.score
