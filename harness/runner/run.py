"""A run: validate every scenario first, then place each call into `<out>/<run-id>/<session-id>/`.

The run directory also gets `run.json` (what ran and how each session ended) and `crosstalk.log`
(the full log, tracebacks included, which the terminal does not show). With a concurrency above
1, sessions run side by side in worker processes (see pool.py); results stay in plan order.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..agent_description import scenario_problems
from ..backends import get_backend
from ..callers import check_caller_backend
from ..config import LoadedScenario
from ..errors import ConfigError, CrosstalkError, InfrastructureError
from ..judging.outcome import Outcome, SessionOutcome, summary_line
from ..judging.run_verdict import RunFacts, RunVerdict, decide_run
from ..rundir.documents import write_run
from ..rundir.layout import RunPaths
from .agent_loader import resolve_factory
from .live_progress import LiveProgress
from .plan import SessionPlan, plan_sessions, suite_concurrency
from .pool import run_in_workers
from .progress import Progress
from .session_result import SessionResult, result_on_disk
from .shard import Shard, select_shard
from .targets import check_target
from .text_session import check_text_mode, run_session

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    run_id: str
    directory: str
    sessions: list[SessionResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    shard: dict[str, int] | None = None
    concurrency: int = 1
    not_run: list[str] = field(default_factory=list)  # sessions a Ctrl-C kept from starting

    def verdicts(self) -> list[SessionOutcome]:
        return [session.verdict for session in self.sessions]

    @property
    def verdict(self) -> RunVerdict:
        """The one decision (judging/run_verdict.py), on what this run has done so far."""
        facts = RunFacts(
            errors=tuple(self.errors),
            cancelled=self.cancelled,
            not_run=tuple(self.not_run),
            shard=self.shard,
        )
        sessions = [(s.session_id, s.verdict) for s in self.sessions]
        return decide_run(sessions, facts)

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def summary(self) -> str:
        """The console's last word: "2 passed, 0 failed, 1 inconclusive: <what was not judged>",
        and what failed the run itself (a call that crashed before it had a result)."""
        line = summary_line(self.verdicts())
        run = self.verdict.run
        if run.failed:
            line += f"; the run failed: {'; '.join(run.failed[:2])}"
        return line

    def to_json(self) -> dict[str, Any]:
        sessions = [
            {**asdict(s), **s.verdict.to_json("verdict"), "passed": s.passed} for s in self.sessions
        ]
        outcome = self.outcome
        return {
            "schema": "crosstalk.run/2",
            "outcome": outcome,
            "passed": outcome == "passed",
            **asdict(self),
            "sessions": sessions,
        }


def _check_against_agent(loaded: LoadedScenario, factory: object) -> None:
    """Options, tool names and SQL the agent's own description rejects, before any call."""
    problems = scenario_problems(
        factory,
        loaded.scenario.agent.options,
        loaded.scenario.success.check_calls(),
        loaded,
        scenario_dir=loaded.scenario_path.resolve().parent,
    )
    if problems:
        raise ConfigError("\n".join(problems))


def load_all(
    paths: list[Path],
    tags: list[str] | None = None,
    backends: dict[str, str] | None = None,
    mode: str | None = None,
) -> list[SessionPlan]:
    """Plan every session and check what each needs (agent import, backend credentials) first."""
    plans = plan_sessions(paths, tags, backends, mode)
    for plan in plans:
        if plan.mode == "text":
            check_text_mode(plan.loaded)
    checked: set[Path] = set()
    for plan in plans:
        scenario = plan.loaded
        if scenario.scenario_path in checked:
            continue
        checked.add(scenario.scenario_path)
        check_target(scenario)
        factory = resolve_factory(scenario)
        if scenario.scenario.target is None:
            _check_against_agent(scenario, factory)
        for side in ("agent", "caller"):
            backend = getattr(scenario.scenario, side).backend
            try:
                get_backend(backend).check()
            except ConfigError as exc:
                where = (
                    f"--{side}-backend"
                    if backends and side in backends
                    else scenario.where((side, "backend"))
                )
                raise ConfigError(
                    f"{where}: {side}.backend: {exc.message}", hint=exc.hint
                ) from None
        check_caller_backend(scenario, get_backend(scenario.scenario.caller.backend))
    return plans


def _session_id(index: int, plan: SessionPlan) -> str:
    return f"{index:02d}-{plan.label}"


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def _attach_log_file(directory: Path) -> logging.Handler:
    handler = logging.FileHandler(RunPaths(directory).log, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


async def run_scenarios(
    paths: list[Path],
    out_dir: Path,
    progress: Progress,
    tags: list[str] | None = None,
    shard: Shard | None = None,
    backends: dict[str, str] | None = None,
    concurrency: int | None = None,
    mode: str | None = None,
) -> RunResult:
    """Run the sessions `concurrency` at a time (default: the suites' `concurrency:`, else 1),
    in `mode` (default: the suites' `mode:`, else audio)."""
    planned = load_all(paths, tags, backends, mode)
    if not planned:
        raise ConfigError(
            f"no scenario has any of the tags {', '.join(tags or [])}",
            hint="tags are set with `tags:` in a scenario or a suite",
        )
    return await run_plans(
        select_shard(planned, shard),
        out_dir,
        progress,
        shard=shard,
        concurrency=concurrency or suite_concurrency(paths),
    )


async def run_plans(
    loaded: list[tuple[int, SessionPlan]],
    out_dir: Path,
    progress: Progress,
    *,
    shard: Shard | None = None,
    concurrency: int = 1,
) -> RunResult:
    """Place the planned (and checked: `load_all`) sessions as one run in `<out_dir>/<run-id>/`;
    `crosstalk sweep` gives the plans with its knob set."""
    run_id = new_run_id()
    directory = out_dir / run_id
    directory.mkdir(parents=True, exist_ok=True)
    log_handler = _attach_log_file(directory)
    result = RunResult(run_id=run_id, directory=str(directory))
    result.shard = shard.to_json() if shard else None
    result.concurrency = max(1, min(concurrency, len(loaded)))
    try:
        if result.concurrency > 1:
            await _run_side_by_side(loaded, directory, progress, result)
            return result
        progress.run_started(result.directory, len(loaded))
        for position, (index, plan) in enumerate(loaded):
            session_id = _session_id(index, plan)
            result.not_run = [_session_id(*later) for later in loaded[position + 1 :]]
            progress.session_started(index, session_id)
            try:
                session = await run_session(
                    plan, session_id, directory / session_id, progress.on_event
                )
            except InfrastructureError as exc:
                result.errors.append(exc.message)
                progress.session_failed(exc.message)
                continue
            except asyncio.CancelledError:  # listed as the concurrent mode lists it
                if RunPaths(directory).session(session_id).is_session():
                    result.sessions.append(result_on_disk(session_id, directory / session_id))
                else:  # stopped while loading models: its call never began
                    result.not_run.insert(0, session_id)
                raise
            result.sessions.append(session)
            progress.session_finished(session)
        result.not_run = []
    except asyncio.CancelledError:
        result.cancelled = True
        raise
    except CrosstalkError as exc:  # e.g. agent options the factory rejects: run.json says why
        result.errors.append(exc.message)
        raise
    finally:
        write_run(directory, result.to_json())
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()
    progress.run_finished(result.directory, result.summary())
    return result


async def _run_side_by_side(
    loaded: list[tuple[int, SessionPlan]], directory: Path, progress: Progress, result: RunResult
) -> None:
    """The sessions in worker processes, `result.concurrency` at a time, with a live display."""
    display = LiveProgress(progress.stream, quiet=progress.quiet, concurrency=result.concurrency)
    progress.directory = result.directory  # where the CLI writes the report, Ctrl-C or not
    display.run_started(result.directory, len(loaded))
    items = [(_session_id(index, plan), plan) for index, plan in loaded]
    outcome = await run_in_workers(items, directory, result.concurrency, display)
    for report in outcome.reports:
        if report.result is not None:
            result.sessions.append(report.result)
        elif report.error is not None:
            result.errors.append(report.error)
        elif report.not_run:
            result.not_run.append(report.session_id)
    if outcome.fatal is not None:
        raise outcome.fatal
    if outcome.cancelled:
        display.interrupted(result.not_run)
        raise asyncio.CancelledError
    display.run_finished(result.directory, result.summary())
