"""The run's model-written summary on disk: asked for when a judge model is configured, kept
beside the results so `crosstalk report` shows it again without a model, and dropped when the
sessions it was written about have changed since (a rejudged or merged run).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from typing import Any

from ..judging.llm import LlmJudge
from ..judging.run_summary import GroupSummary
from ..judging.settings import JudgeSettings
from ..judging.written_summary import SessionBrief, write_summary
from ..rundir.files import read_object_or_none, write_json
from ..rundir.layout import RunPaths
from .loading import Run

logger = logging.getLogger(__name__)


def briefs_of(run: Run) -> list[SessionBrief]:
    return [
        SessionBrief(s.session_id, s.scenario, s.outcome, tuple(s.verdict.reasons))
        for s in run.sessions
    ]


def _digest(briefs: list[SessionBrief]) -> str:
    lines = [b.line() for b in briefs]
    return hashlib.sha256(json.dumps(lines).encode()).hexdigest()[:16]


def written_summary(
    run: Run, groups: list[GroupSummary], settings: JudgeSettings | None
) -> dict[str, Any] | None:
    """The summary for this run: asked of the model when `settings` are configured (a run of
    two sessions or more), else the one on disk if it was written about these same sessions."""
    briefs = briefs_of(run)
    digest = _digest(briefs)
    path = RunPaths(run.directory).written_summary
    if settings is not None and settings.configured and len(briefs) > 1:
        document = asyncio.run(_ask(settings, briefs, [g.to_json() for g in groups]))
        document["sessions_digest"] = digest
        write_json(path, document)
        return document
    kept = read_object_or_none(path)
    return kept if kept is not None and kept.get("sessions_digest") == digest else None


async def _ask(
    settings: JudgeSettings, briefs: list[SessionBrief], groups: list[dict[str, Any]]
) -> dict[str, Any]:
    judge = LlmJudge(settings)
    try:
        summary, usage = await write_summary(judge, briefs, groups)
    finally:
        await judge.aclose()
    if summary.problem:
        logger.warning("model-written summary left out: %s", summary.problem)
    return {
        **summary.to_json(),
        "usage": {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
        },
    }
