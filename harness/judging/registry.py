"""Deterministic checks by name: a registry, the `@check` decorator, and running one check.

A check is a function `(session: SessionData, args: ArgsModel) -> CheckOutcome`, registered with
`@check("name", ArgsModel)`. A scenario names it under `success.checks` with arguments that
`ArgsModel` (a pydantic model) validates. Your own checks live in any importable module; name
them in the scenario as `package.module:function` and the module is imported when the scenario
is loaded, which registers them.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

from .session_data import SessionData
from .verdicts import CriterionResult, Evidence, Verdict


class CheckError(Exception):
    """Raised by a check that cannot judge (e.g. a file it needs is missing): an `error` verdict."""


class CheckArgs(BaseModel):
    """Base for check arguments: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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

    def run(self, session: SessionData, args: CheckArgs) -> Verdict:
        """The check's verdict; an exception inside the check becomes an `error` verdict."""
        try:
            outcome = self.function(session, args)
        except CheckError as exc:
            return Verdict.error(self.name, "check", str(exc))
        except Exception as exc:
            return Verdict.error(self.name, "check", f"{type(exc).__name__}: {exc}")
        if outcome.passed is None:
            return Verdict.not_run(self.name, "check", outcome.reason)
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
        return Verdict(self.name, "check", status, score, outcome.reason, (criterion,))


CHECKS: dict[str, CheckDefinition] = {}


def check(name: str, arguments: type[CheckArgs] = NoArgs) -> Callable[[FunctionT], FunctionT]:
    """Register a check under `name`; `arguments` validates its YAML arguments."""

    def register(function: FunctionT) -> FunctionT:
        definition = CheckDefinition(name, arguments, function)
        CHECKS[name] = definition
        function.__crosstalk_check__ = definition  # type: ignore[attr-defined]
        return function

    return register


def find_check(name: str) -> CheckDefinition | None:
    """A registered check, or one named by import path `package.module:function`."""
    if ":" not in name:
        # a spawned worker process judges too: the built-ins must be registered there as well
        return builtin_checks().get(name)
    module_name, _, attribute = name.partition(":")
    if "" not in sys.path:
        sys.path.append("")  # the current directory, as for agent factories
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module {module_name!r} ({exc})") from None
    definition = getattr(getattr(module, attribute, None), "__crosstalk_check__", None)
    if definition is None:
        raise ValueError(f"{name!r} is not a function decorated with @check")
    return definition


def builtin_checks() -> dict[str, CheckDefinition]:
    from . import checks  # noqa: F401  (registers the built-in checks)

    return CHECKS
