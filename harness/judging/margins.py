"""A robustness margin's verdict: what a sweep found against what the scenario requires of it.

A margin is the knob value nearest the cliff at which the scenario still passed, with the
neighbouring value at which it failed (`MarginFound`). A requirement (`margins:` in a scenario or
suite: `at_most` / `at_least`) holds when that passing value is on the right side of its limit;
against a baseline's margin, a passing value that moved toward the passing end by more than the
tolerance is a regression. The outcome is a `SessionOutcome`, which `decide_run` weighs like any
other (run_verdict.py), so a missed margin fails the run (exit 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .outcome import SessionOutcome
from .reasons import Reason

MarginStatus = Literal["found", "passes_everywhere", "fails_everywhere", "unresolved"]


class MarginRequirement(BaseModel):
    """`{at_most: 10}`: the scenario must still pass at 10 or below (an SNR, say);
    `{at_least: 300}`: up to 300 or beyond (a latency)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at_most: float | None = Field(None, description="the margin must reach this value or below")
    at_least: float | None = Field(None, description="the margin must reach this value or above")

    @model_validator(mode="after")
    def _one_limit(self) -> MarginRequirement:
        if (self.at_most is None) == (self.at_least is None):
            raise ValueError("give exactly one of at_most or at_least")
        return self

    def describe(self, unit: str) -> str:
        if self.at_most is not None:
            return f"passing at {self.at_most:g} {unit} or below"
        return f"passing at {self.at_least:g} {unit} or above"


@dataclass(frozen=True)
class MarginFound:
    """A sweep's finding for one knob; values are None where the search found no such point."""

    knob: str
    unit: str
    status: MarginStatus
    pass_value: float | None
    fail_value: float | None
    resolution: float
    calls: int

    def sentence(self) -> str:
        """ "passes down to 7 dB, fails at 5 dB, ±1 dB, 9 calls" """
        unit, calls = self.unit, f"{self.calls} call{'s' * (self.calls != 1)}"
        if self.status == "passes_everywhere":
            return f"passes across the whole range (to {self.pass_value:g} {unit}), {calls}"
        if self.status == "fails_everywhere":
            return f"fails across the whole range (from {self.fail_value:g} {unit}), {calls}"
        if self.pass_value is None or self.fail_value is None:
            return f"no margin found (the ends could not be judged), {calls}"
        way = "down" if self.pass_value > self.fail_value else "up"
        half = abs(self.pass_value - self.fail_value) / 2
        text = (
            f"passes {way} to {self.pass_value:g} {unit}, fails at {self.fail_value:g} {unit}, "
            f"±{half:g} {unit}, {calls}"
        )
        if self.status == "unresolved":
            text += f" (wider than the resolution, {self.resolution:g} {unit})"
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "knob": self.knob,
            "unit": self.unit,
            "status": self.status,
            "pass_value": self.pass_value,
            "fail_value": self.fail_value,
            "resolution": self.resolution,
            "calls": self.calls,
            "margin": self.sentence(),
        }


def _meets(requirement: MarginRequirement, found: MarginFound) -> bool:
    value = found.pass_value
    if value is None:
        return False
    if requirement.at_most is not None:
        return value <= requirement.at_most
    return value >= (requirement.at_least or 0.0)


def _shrank(found: MarginFound, baseline: MarginFound, tolerance: float) -> str | None:
    """Why the margin shrank against the baseline's beyond `tolerance`, or None."""
    if baseline.pass_value is None or baseline.fail_value is None or found.pass_value is None:
        return None
    toward_pass = 1.0 if baseline.pass_value > baseline.fail_value else -1.0
    moved = (found.pass_value - baseline.pass_value) * toward_pass
    if moved <= tolerance + 1e-9:
        return None
    return (
        f"the margin shrank: passes to {found.pass_value:g} {found.unit}, the baseline to "
        f"{baseline.pass_value:g} {found.unit} (tolerance {tolerance:g} {found.unit})"
    )


def margin_outcome(
    found: MarginFound,
    requirement: MarginRequirement | None = None,
    baseline: MarginFound | None = None,
    tolerance: float | None = None,
) -> SessionOutcome:
    """Failed when the requirement is missed, the margin shrank against the baseline or the
    scenario fails across the whole range; inconclusive when no margin could be placed (ends
    not judgeable, a bracket wider than the resolution with nothing failed); else passed."""
    source = f"margin:{found.knob}"
    said = f"{found.knob}: {found.sentence()}"
    failed: list[Reason] = []
    has_pass = found.pass_value is not None
    if found.status == "fails_everywhere":
        failed.append(Reason("margin", said, source))
    elif requirement is not None and has_pass and not _meets(requirement, found):
        text = f"{said}; required {requirement.describe(found.unit)}"
        failed.append(Reason("margin", text, source))
    if baseline is not None:
        why = _shrank(found, baseline, found.resolution if tolerance is None else tolerance)
        if why is not None:
            failed.append(Reason("regression", f"{found.knob}: {why}", source))
    placed = found.status in ("found", "passes_everywhere", "fails_everywhere")
    unjudged = [] if placed or failed else [Reason("margin", said, source)]
    return SessionOutcome.of(failed, unjudged)
