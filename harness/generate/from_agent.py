"""`new scenarios --from-agent`: read the agent, draft scenarios, word them, write them.

Offline the deterministic drafts are written as they are; with a chat model configured (the
judge's settings) the model rewords each draft's persona (see `wording`), and a draft whose
rewording stays invalid after the retries is dropped, never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..judging.settings import JudgeSettings
from .agent_spec import AgentSpec, read_agent
from .drafts import Draft, drafts
from .wording import reword
from .writing import Pair, Written, write_pair


@dataclass(frozen=True)
class FromAgentOptions:
    factory: str
    out: Path = Path(".")
    count: int | None = None  # at most this many scenarios (tools' happy paths first)
    root: Path = Path(".")  # where the factory's module is imported from
    settings: JudgeSettings | None = None  # a chat model to word the personas, if configured


def _pair(draft: Draft, spec: AgentSpec, wording: str) -> Pair:
    header = (
        f"Written by `crosstalk new scenarios --from-agent {spec.factory}` ({draft.kind}).\n"
        f"From {draft.source}.\n"
        f"Wording: {wording}. Review it, then run: crosstalk run scenarios/{draft.key}.yaml"
    )
    if spec.options:
        header += f"\nagent.options the agent takes: {', '.join(spec.options)}"
    return Pair(draft.key, header, draft.persona, {"": draft.scenario})


def scenarios_from_agent(options: FromAgentOptions) -> list[Written]:
    """Write the scenarios for the agent `options.factory`; one `Written` per draft."""
    spec = read_agent(options.factory, options.root)
    chosen = drafts(spec)[: options.count]
    settings = options.settings
    if settings is None or not settings.configured:
        return [write_pair(_pair(d, spec, "the offline generator"), options.out) for d in chosen]
    results = []
    for draft in chosen:
        worded, problem = reword(draft, spec, settings)
        if worded is None:
            results.append(Written(draft.key, "dropped", f"the model's wording: {problem}"))
            continue
        wording = f"written by the model {settings.model} (model-written)"
        results.append(write_pair(_pair(worded, spec, wording), options.out))
    return results
