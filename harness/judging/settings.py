"""Which chat model judges, where it is, and what it costs: from CLI, environment and scenario.

The model comes from `--model`, else `CROSSTALK_JUDGE_MODEL`, else the scenario's
`success.judge.model`; the server from `--base-url`, else `OPENAI_BASE_URL` (default: OpenAI);
the key from `OPENAI_API_KEY`. A server named with `--base-url` but no model gets the model
name "default" (local servers with one model ignore it). Without a model, or without a key for
OpenAI itself, the LLM judge is not configured and its rubrics are reported `not_run`. Keys never
reach logs or artifacts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ConfigError
from .cache import default_cache_dir
from .spec import JudgeOptions, Price

# USD per million tokens (input, output), as published when this was written; override with
# `success.judge.price` or CROSSTALK_JUDGE_PRICE="in,out". Unknown models get no cost (null).
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
}
NO_KEY_NEEDED = "not-needed"  # local OpenAI-compatible servers accept any key
UNNAMED_MODEL = "default"  # sent when --base-url names a server but no model is named


@dataclass(frozen=True)
class JudgeSettings:
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    samples: int = 1
    timeout_s: float = 60.0
    max_retries: int = 3
    price: tuple[float, float] | None = None
    cache_dir: Path | None = None

    @property
    def configured(self) -> bool:
        return bool(self.model) and bool(self.api_key or self.base_url)

    @property
    def why_not_configured(self) -> str:
        if not self.model:
            return "no model configured (set CROSSTALK_JUDGE_MODEL or success.judge.model)"
        return f"no model configured (model {self.model!r} but no OPENAI_API_KEY or base URL)"

    def cost_usd(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if self.price is None:
            return None
        return round((prompt_tokens * self.price[0] + completion_tokens * self.price[1]) / 1e6, 6)

    @classmethod
    def resolve(
        cls,
        options: JudgeOptions | None = None,
        *,
        model: str | None = None,
        base_url: str | None = None,
        samples: int | None = None,
        env: Mapping[str, str] | None = None,
    ) -> JudgeSettings:
        env = os.environ if env is None else env
        options = options or JudgeOptions()
        chosen_model = model or env.get("CROSSTALK_JUDGE_MODEL") or options.model
        if base_url and not chosen_model:
            chosen_model = UNNAMED_MODEL  # a local server given on the command line serves one
        chosen_url = base_url or env.get("OPENAI_BASE_URL") or None
        api_key = env.get("OPENAI_API_KEY") or (NO_KEY_NEEDED if chosen_url else None)
        return cls(
            model=chosen_model,
            base_url=chosen_url,
            api_key=api_key,
            samples=samples or options.samples,
            timeout_s=options.timeout_s,
            max_retries=options.max_retries,
            price=_price(chosen_model, options.price, env),
            cache_dir=default_cache_dir(),
        )


def _price(
    model: str | None, configured: Price | None, env: Mapping[str, str]
) -> tuple[float, float] | None:
    if configured is not None:
        return (configured.input, configured.output)
    override = env.get("CROSSTALK_JUDGE_PRICE")
    if override:
        try:
            prompt, completion = (float(part) for part in override.split(","))
            return (prompt, completion)
        except ValueError:
            raise ConfigError(
                f"CROSSTALK_JUDGE_PRICE={override!r}: expected two numbers, e.g. 0.15,0.60",
                hint="USD per million prompt tokens, then per million completion tokens",
            ) from None
    if model is None:
        return None
    # dated snapshots ("gpt-4o-mini-2024-07-18") cost what their family costs
    family = max((name for name in PRICES if model.startswith(name)), key=len, default=None)
    return PRICES.get(family) if family else None
