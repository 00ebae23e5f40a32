"""Timing budgets: a scenario's limits checked against what the probes measured.

A budget names a summary figure of `probes.json` and a limit in milliseconds; a figure that could
not be measured (no responses, no interruptions) passes, since there was nothing to be late.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

# budget key -> (summary entry, field within it or None for a plain number)
BUDGET_FIGURES: dict[str, tuple[str, str | None]] = {
    "greeting_latency_ms": ("greeting_latency_ms", None),
    "response_latency_p50_ms": ("response_latency", "p50_ms"),
    "response_latency_p95_ms": ("response_latency", "p95_ms"),
    "response_latency_max_ms": ("response_latency", "max_ms"),
    "interruption_stop_p95_ms": ("interruption_stop_latency", "p95_ms"),
    "interruption_stop_max_ms": ("interruption_stop_latency", "max_ms"),
    "interruption_recovery_p95_ms": ("interruption_recovery", "p95_ms"),
}


@dataclass(frozen=True)
class BudgetCheck:
    budget: str
    limit_ms: float
    measured_ms: float | None
    passed: bool

    def reason(self) -> str:
        return f"{self.budget} {self.measured_ms} ms exceeds its budget of {self.limit_ms} ms"


def check_budgets(budgets: dict[str, float], summary: dict[str, Any]) -> list[BudgetCheck]:
    checks = []
    for budget, limit in budgets.items():
        entry, field = BUDGET_FIGURES[budget]
        value = summary.get(entry)
        measured = value.get(field) if field and isinstance(value, dict) else value
        passed = measured is None or measured <= limit
        checks.append(BudgetCheck(budget, limit, measured, passed))
    return checks


def checks_json(checks: list[BudgetCheck]) -> list[dict[str, Any]]:
    return [asdict(check) for check in checks]
