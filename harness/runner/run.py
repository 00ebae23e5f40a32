"""A run: validate every scenario first, then place each call into `<out>/<run-id>/<session-id>/`.

The run directory also gets `run.json` (what ran and how each session ended) and `crosstalk.log`
(the full log, tracebacks included, which the terminal does not show).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..backends import get_backend
from ..config import LoadedScenario, load_scenario
from ..errors import ConfigError, InfrastructureError
from .agent_loader import resolve_factory
from .progress import Progress
from .session import SessionResult, SessionRun
from .shard import Shard, select_shard
from .targets import check_target

logger = logging.getLogger(__name__)


@dataclass
class RunResult:
    run_id: str
    directory: str
    sessions: list[SessionResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cancelled: bool = False
    shard: dict[str, int] | None = None

    @property
    def passed(self) -> bool:
        return (
            not self.errors
            and not self.cancelled
            and all(session.passed for session in self.sessions)
        )

    def to_json(self) -> dict[str, Any]:
        sessions = [{**asdict(s), "passed": s.passed} for s in self.sessions]
        return {
            "schema": "crosstalk.run/1",
            "passed": self.passed,
            **asdict(self),
            "sessions": sessions,
        }


def expand_scenario_paths(paths: list[Path]) -> list[Path]:
    """Files as given; folders contribute their `*.yaml` files in name order."""
    expanded: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
            if not found:
                raise ConfigError(f"{path}: no scenario files (*.yaml) in this folder")
            expanded.extend(found)
        else:
            expanded.append(path)
    return expanded


def load_all(paths: list[Path]) -> list[LoadedScenario]:
    """Load and check every scenario (YAML, persona, agent import, backend credentials) first."""
    loaded = [load_scenario(path) for path in expand_scenario_paths(paths)]
    for scenario in loaded:
        check_target(scenario)
        resolve_factory(scenario)
        for side in ("agent", "caller"):
            backend = getattr(scenario.scenario, side).backend
            try:
                get_backend(backend).check()
            except ConfigError as exc:
                where = scenario.where((side, "backend"))
                raise ConfigError(
                    f"{where}: {side}.backend: {exc.message}", hint=exc.hint
                ) from None
    return loaded


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def _attach_log_file(directory: Path) -> logging.Handler:
    handler = logging.FileHandler(directory / "crosstalk.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


async def run_scenarios(
    paths: list[Path], out_dir: Path, progress: Progress, shard: Shard | None = None
) -> RunResult:
    loaded = select_shard(load_all(paths), shard)
    run_id = new_run_id()
    directory = out_dir / run_id
    directory.mkdir(parents=True, exist_ok=True)
    log_handler = _attach_log_file(directory)
    result = RunResult(run_id=run_id, directory=str(directory))
    result.shard = shard.to_json() if shard else None
    progress.run_started(result.directory, len(loaded))
    try:
        for index, scenario in loaded:
            session_id = f"{index:02d}-{scenario.scenario.name}"
            progress.session_started(index, session_id)
            try:
                session = await SessionRun(scenario, session_id, directory / session_id).run(
                    progress.on_event
                )
            except InfrastructureError as exc:
                result.errors.append(exc.message)
                progress.session_failed(exc.message)
                continue
            result.sessions.append(session)
            progress.session_finished(session)
    except asyncio.CancelledError:
        result.cancelled = True
        raise
    finally:
        (directory / "run.json").write_text(json.dumps(result.to_json(), indent=2) + "\n")
        logging.getLogger().removeHandler(log_handler)
        log_handler.close()
    progress.run_finished(result.directory, result.passed)
    return result
