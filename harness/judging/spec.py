"""A scenario's `success:` section: which checks and rubrics decide whether a call went right.

```yaml
success:
  checks:
    - must_say: {pattern: "shipped"}
    - tool_called: {name: lookup_order, arguments: {order_id: "42791"}}
    - goal_achieved                     # a check without arguments may be named alone
  rubrics: [task_completion, policy_adherence]
  context: "Refunds only within 30 days."  # facts and policies the LLM judge may rely on
  judge: {model: gpt-4o-mini, samples: 3}
```

Check arguments are validated by each check's own model, and unknown check or rubric names get
a "did you mean"; errors carry their YAML location, so the loader reports file:line.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from .check_names import builtin_checks, find_check
from .rubrics import load_rubric, rubric_path, unknown_rubric_message


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Price(_Strict):
    input: float = Field(ge=0, description="USD per million prompt tokens")
    output: float = Field(ge=0, description="USD per million completion tokens")


class JudgeOptions(_Strict):
    """The LLM judge; the model may also come from CROSSTALK_JUDGE_MODEL (which wins)."""

    model: str | None = Field(None, description="chat model name; unset: rubrics are not run")
    samples: int = Field(1, ge=1, le=9, description="answers per rubric; the median decides")
    timeout_s: float = Field(60.0, gt=0, le=600)
    max_retries: int = Field(3, ge=0, le=10, description="on rate limits, 5xx and timeouts")
    price: Price | None = Field(None, description="override the built-in price table")


def _source(info: ValidationInfo) -> Path | None:
    context = info.context or {}
    return Path(context["source"]) if context.get("source") else None


def _argument_error(error: Any, loc: tuple[str | int, ...], known: list[str]) -> InitErrorDetails:
    if error["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        message = "unknown argument" + (f" (did you mean {close[0]!r}?)" if close else "")
        kind = PydanticCustomError("unknown_argument", message)
        return InitErrorDetails(type=kind, loc=loc, input=error["input"])
    details = InitErrorDetails(type=error["type"], loc=loc, input=error["input"])
    if "ctx" in error:
        details["ctx"] = error["ctx"]
    return details


class SuccessConfig(_Strict):
    checks: list[str | dict[str, Any]] = Field(
        default_factory=list,
        description="deterministic checks: `name` or `{name: {arguments}}`",
    )
    rubrics: list[str] = Field(
        default_factory=list, description="rubric names (judges/<name>.yaml) or paths"
    )
    context: str = Field("", description="facts and policies the LLM judge may rely on")
    judge: JudgeOptions = JudgeOptions()
    agent_may_end_call: bool = Field(
        False,
        description="the agent may end the call before the caller is done (a guardrail that "
        "hangs up, a transfer); otherwise that is a failure of its own",
    )

    @field_validator("checks")
    @classmethod
    def _known_checks_with_valid_arguments(
        cls, entries: list[str | dict[str, Any]], info: ValidationInfo
    ) -> list[dict[str, Any]]:
        known = sorted(builtin_checks())
        errors: list[InitErrorDetails] = []
        normalised: list[dict[str, Any]] = []
        for index, entry in enumerate(entries):
            if isinstance(entry, str):
                entry = {entry: {}}
            if len(entry) != 1:
                kind = PydanticCustomError(
                    "one_check", "each entry names one check: `- name: {arguments}`"
                )
                errors.append(InitErrorDetails(type=kind, loc=(index,), input=entry))
                continue
            [(name, arguments)] = entry.items()
            try:
                source = _source(info)
                definition = find_check(str(name), source.parent if source else None)
            except ValueError as exc:
                kind = PydanticCustomError("unknown_check", str(exc))
                errors.append(InitErrorDetails(type=kind, loc=(index, name), input=name))
                continue
            if definition is None:
                close = difflib.get_close_matches(str(name), known, n=1)
                hint = (
                    f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
                )
                kind = PydanticCustomError("unknown_check", "unknown check" + hint)
                errors.append(InitErrorDetails(type=kind, loc=(index, name), input=name))
                continue
            try:
                args = definition.arguments.model_validate(arguments or {})
            except ValidationError as exc:
                fields = list(definition.arguments.model_fields)
                errors.extend(
                    _argument_error(error, (index, name, *error["loc"]), fields)
                    for error in exc.errors()
                )
                continue
            normalised.append({str(name): args.model_dump(mode="json")})
        if errors:
            raise ValidationError.from_exception_data("checks", errors)
        return normalised

    @field_validator("rubrics")
    @classmethod
    def _known_rubrics(cls, names: list[str], info: ValidationInfo) -> list[str]:
        source = _source(info)
        errors = []
        for index, name in enumerate(names):
            if rubric_path(name, source) is None:
                kind = PydanticCustomError("unknown_rubric", unknown_rubric_message(name, source))
                errors.append(InitErrorDetails(type=kind, loc=(index,), input=name))
            else:
                load_rubric(name, source)  # a broken rubric file fails here, at its own file:line
        if errors:
            raise ValidationError.from_exception_data("rubrics", errors)
        return names

    def check_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """(check name, arguments) pairs, in the order the scenario lists them."""
        return [next(iter(entry.items())) for entry in self.checks]  # type: ignore[union-attr]
