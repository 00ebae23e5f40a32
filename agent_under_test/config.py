"""The agent's configuration: defaults from `data/defaults.yaml`, overridden by `agent.options`.

A scenario's `agent.options` use the same keys as the defaults file (`responder`, `thinker`,
`policies`, `guardrails`), and may name another YAML file with `config_file`; mappings merge key
by key, lists replace, and `null` switches a policy off. Everything is validated here, so a typo
in a scenario fails before the call with the field's dotted name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from crosstalk_harness.errors import ConfigError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULTS_FILE = DATA_DIR / "defaults.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TurnConfig(_Strict):
    """When the caller's turn counts as over (offline stack; see `turns.py`)."""

    silence_s: float = Field(0.3, ge=0.1, le=3)
    min_delay_s: float = Field(0.3, ge=0, le=5)
    max_delay_s: float = Field(1.0, ge=0, le=10)


class ResponderConfig(_Strict):
    fast_path_s: float = Field(0.4, ge=0, le=5)
    filler: str = "Let me check that for you."
    turn: TurnConfig = TurnConfig()


class ThinkerConfig(_Strict):
    kind: Literal["auto", "planner", "openai"] = "auto"
    model: str = "gpt-4o-mini"
    latency_s: float = Field(0.0, ge=0, le=60)
    timeout_s: float = Field(20.0, gt=0, le=300)
    max_steps: int = Field(4, ge=1, le=10)
    enforce_ownership: bool = True


class GuidanceText(_Strict):
    instruction: str
    say: str


class WrapUpPolicy(GuidanceText):
    after_caller_turns: int | None = Field(8, ge=1)
    after_s: float | None = Field(240.0, gt=0)


class StallPolicy(GuidanceText):
    after_s: float = Field(4.0, gt=0)


class RepeatPolicy(GuidanceText):
    min_similarity: float = Field(0.85, gt=0, le=1)


class SilencePolicy(GuidanceText):
    after_s: float = Field(10.0, gt=0)
    max_times: int = Field(2, ge=1)


class FrustrationPolicy(GuidanceText):
    keywords: list[str] = Field(min_length=1)


class KeepEngagedPolicy(_Strict):
    every_s: float = Field(2.0, gt=0)
    max_times: int = Field(3, ge=1)
    instruction: str
    say: list[str] = Field(min_length=1)


class PoliciesConfig(_Strict):
    wrap_up: WrapUpPolicy | None = None
    clarify_on_stall: StallPolicy | None = None
    clarify_on_repeat: RepeatPolicy | None = None
    reengage_after_silence: SilencePolicy | None = None
    escalate_on_frustration: FrustrationPolicy | None = None
    keep_engaged: KeepEngagedPolicy | None = None


GuardrailAction = Literal["redirect", "adjust", "end"]


class _RuleBase(_Strict):
    name: str
    action: GuardrailAction = "redirect"
    say: str = "Sorry, I cannot help with that. Is there anything else I can do for you?"
    instruction: str = "Stay within Acme Outfitters' policies."


class ForbiddenPhrasesRule(_RuleBase):
    kind: Literal["forbidden_phrases"]
    phrases: list[str] = Field(min_length=1)


class PatternRule(_RuleBase):
    kind: Literal["pattern"]
    patterns: list[str] = Field(min_length=1)


class OtherCustomerDataRule(_RuleBase):
    kind: Literal["other_customer_data"]


class ModerationRule(_RuleBase):
    """Asks the thinker's chat model whether a sentence breaks `policy` (OpenAI thinker only)."""

    kind: Literal["llm_moderation"]
    policy: str = "No medical, legal or financial advice; no abuse; no promises beyond policy."


RuleConfig = Annotated[
    ForbiddenPhrasesRule | PatternRule | OtherCustomerDataRule | ModerationRule,
    Field(discriminator="kind"),
]


class GuardrailsConfig(_Strict):
    buffer_ms: float = Field(300.0, ge=0, le=2000)
    check_timeout_ms: float = Field(1500.0, gt=0, le=10_000)
    rules: list[RuleConfig] = Field(default_factory=list)


class AgentConfig(_Strict):
    responder: ResponderConfig = ResponderConfig()
    thinker: ThinkerConfig = ThinkerConfig()
    policies: PoliciesConfig = PoliciesConfig()
    guardrails: GuardrailsConfig = GuardrailsConfig()


class AgentOptionsError(ConfigError, TypeError):
    """Bad `agent.options`; a TypeError too, so the runner names the scenario's file and line."""


def _merge(base: Any, override: Any) -> Any:
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return override


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise AgentOptionsError(f"config_file: cannot read {path} ({exc})") from None
    if not isinstance(document, dict):
        raise AgentOptionsError(f"config_file: {path} must hold a mapping")
    return document


def _in_words(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "unknown option"
    return str(error["msg"]).removeprefix("Value error, ")


def load_config(options: dict[str, Any], scenario_dir: Path | None = None) -> AgentConfig:
    """Defaults, then `options["config_file"]` (if any), then the other options, validated.

    A relative `config_file` is read beside the scenario that names it (`scenario_dir`), not
    from the current directory."""
    options = dict(options)
    merged = _read_yaml(DEFAULTS_FILE)
    config_file = options.pop("config_file", None)
    if config_file is not None:
        path = Path(config_file).expanduser()
        if scenario_dir is not None and not path.is_absolute():
            path = scenario_dir / path
        merged = _merge(merged, _read_yaml(path))
    merged = _merge(merged, options)
    try:
        return AgentConfig.model_validate(merged)
    except ValidationError as exc:
        problems = [
            ".".join(str(part) for part in error["loc"]) + ": " + _in_words(error)
            for error in exc.errors()
        ]
        raise AgentOptionsError("\n".join(problems)) from None
