"""A baseline comparison's regressions as lines: what the run's verdict counts as failures."""

from __future__ import annotations

from typing import Any


def regression_lines(comparison: dict[str, Any] | None) -> tuple[str, ...]:
    """One line per regression of a comparison: a worse figure, or a baseline cell not run."""
    if not comparison:
        return ()
    rows = comparison.get("rows") or []
    worse = [
        f"{row['cell']}: {row['label']} regressed by {row['delta']:+g} {row['unit']}".strip()
        for row in rows
        if row.get("verdict") == "worse"
    ]
    missing = [
        f"{row['cell']}: in the baseline but not run"
        for row in rows
        if row.get("verdict") == "missing" and comparison.get("missing_is_regression", True)
    ]
    return (*worse, *missing)
