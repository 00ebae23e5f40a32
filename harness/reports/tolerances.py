"""How large a change must be to count as a regression or an improvement, per kind of figure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerances:
    latency_ms: float = 100.0
    score: float = 0.1
    pass_rate: float = 0.2

    def of(self, unit: str, name: str) -> float:
        if unit == "ms":
            return self.latency_ms
        return self.pass_rate if name == "pass_rate" else self.score
