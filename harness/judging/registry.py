"""Writing a deterministic check: the `@check` decorator, its argument and outcome types, and
running one check into a verdict. `check_names.find_check` looks a check up by name.

A check is a function `(session: SessionData, args: ArgsModel) -> CheckOutcome`, registered with
`@check("name", ArgsModel)`. A scenario names it under `success.checks` with arguments that
`ArgsModel` (a pydantic model) validates. Your own checks live in any importable module; name
them in the scenario as `package.module:function` and the module is imported when the scenario
is loaded, which registers them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .reasons import ReasonKind
from .session_data import SessionData
from .verdicts import CriterionResult, Evidence, Verdict


class CheckError(Exception):
    """Raised by a check that cannot judge (e.g. a file it needs is missing): an `error` verdict."""


class CheckArgs(BaseModel):
    """Base for check arguments: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str | None = Field(
        None,
        description="what the check expects, in words; the report leads with it, e.g. "
        "'the agent confirms the new address'",
    )


class NoArgs(CheckArgs):
    pass


@dataclass(frozen=True)
class CheckOutcome:
    """A check's answer; `passed=None` means it could not apply (reported as not_run)."""

    passed: bool | None
    reason: str
    evidence: list[Evidence] = field(default_factory=list)
    score: float | None = None


CheckFunction = Callable[[SessionData, Any], CheckOutcome]
FunctionT = TypeVar("FunctionT", bound=CheckFunction)


@dataclass(frozen=True)
class CheckDefinition:
    name: str
    arguments: type[CheckArgs]
    function: CheckFunction
    description: str = ""  # what the check asks, in words: the schema, docs and report show it
    reason_kind: str = "check"  # the kind of reason its failure is (judging/reasons.py)
    timing_derived: bool = False  # reads the clock: untrusted timing excuses its failure

    def run(self, session: SessionData, args: CheckArgs) -> Verdict:
        """The check's verdict; an exception inside the check becomes an `error` verdict."""
        if self.timing_derived and session.untrusted_timing:
            return self._marked(Verdict.not_run(self.name, "check", session.untrusted_timing))
        try:
            outcome = self.function(session, args)
        except CheckError as exc:
            return self._marked(Verdict.error(self.name, "check", str(exc)))
        except Exception as exc:
            return self._marked(Verdict.error(self.name, "check", f"{type(exc).__name__}: {exc}"))
        if outcome.passed is None:
            return self._marked(Verdict.not_run(self.name, "check", outcome.reason))
        score = outcome.score if outcome.score is not None else float(outcome.passed)
        criterion = CriterionResult(
            name=self.name,
            score=score,
            max_score=1.0,
            passed=outcome.passed,
            rationale=outcome.reason,
            evidence=tuple(outcome.evidence),
        )
        status = "passed" if outcome.passed else "failed"
        reason = outcome.reason
        if args.description:
            reason = f"{args.description}: {'yes' if outcome.passed else 'no'}, {reason}"
        return self._marked(Verdict(self.name, "check", status, score, reason, (criterion,)))

    def _marked(self, verdict: Verdict) -> Verdict:
        return replace(verdict, reason_kind=self.reason_kind, timing_derived=self.timing_derived)


CHECKS: dict[str, CheckDefinition] = {}


def check(
    name: str,
    arguments: type[CheckArgs] = NoArgs,
    *,
    kind: ReasonKind = "check",
    timing_derived: bool = False,
) -> Callable[[FunctionT], FunctionT]:
    """Register a check under `name`; `arguments` validates its YAML arguments. `kind` is the
    kind of reason its failure is; `timing_derived` says the check reads the clock (a duration,
    the probes), so untrusted timing leaves it unjudged instead of failed."""

    def register(function: FunctionT) -> FunctionT:
        description = " ".join((function.__doc__ or "").split("\n\n")[0].split())
        definition = CheckDefinition(name, arguments, function, description, kind, timing_derived)
        CHECKS[name] = definition
        function.__crosstalk_check__ = definition  # type: ignore[attr-defined]
        return function

    return register
