"""Judge one session directory: run its checks, rubrics and sentiment; write judgement.json.

Everything comes from the session directory and the scenario's `success:` section, so a run can
be re-judged later without placing the calls again (`crosstalk judge RUN_DIR`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ConfigError
from ..rundir.files import write_json
from ..rundir.layout import SESSION_FILE, SessionPaths
from .check_names import find_check
from .llm import LlmJudge
from .modes import AUDIO_ONLY_CHECKS, NOT_MEASURED, mode_of
from .rubrics import load_rubric
from .sentiment import caller_sentiment
from .session_data import SessionData, load_session
from .settings import JudgeSettings
from .spec import SuccessConfig
from .verdicts import Judgement, Sentiment, Usage, Verdict

logger = logging.getLogger(__name__)


def run_checks(
    session: SessionData, success: SuccessConfig, scenario_path: Path | None = None
) -> list[Verdict]:
    verdicts = []
    folder = scenario_path.parent if scenario_path else None
    in_text = mode_of(session.session) == "text"
    for name, arguments in success.check_calls():
        if in_text and name in AUDIO_ONLY_CHECKS:
            continue  # not measured in text mode (modes.not_measured_in_text says so)
        definition = find_check(name, folder)
        if definition is None:
            verdicts.append(Verdict.error(name, "check", f"no check named {name!r} is registered"))
            continue
        verdicts.append(definition.run(session, definition.arguments.model_validate(arguments)))
    return verdicts


async def run_rubrics(
    session: SessionData,
    success: SuccessConfig,
    settings: JudgeSettings,
    scenario_path: Path | None,
) -> tuple[list[Verdict], Usage]:
    usage = Usage()
    if not success.rubrics:
        return [], usage
    if not settings.configured:
        reason = settings.why_not_configured
        return [Verdict.not_run(name, "rubric", reason) for name in success.rubrics], usage
    judge = LlmJudge(settings)
    try:

        async def one(name: str) -> Verdict:
            try:
                rubric = await asyncio.to_thread(load_rubric, name, scenario_path)
            except ConfigError as exc:
                return Verdict.error(name, "rubric", exc.message)
            if rubric.hears_audio and mode_of(session.session) == "text":
                return Verdict.not_run(name, "rubric", f"heard from the audio: {NOT_MEASURED}")
            if rubric.sees_probes and session.untrusted_timing:
                return Verdict.not_run(name, "rubric", session.untrusted_timing)
            try:
                verdict, spent = await judge.judge(rubric, session, success.context)
            except Exception as exc:  # fail closed: this rubric is an error, the others go on
                logger.exception("judging rubric %s failed", name)
                return Verdict.error(name, "rubric", f"{type(exc).__name__}: {exc}")
            usage.add(spent)
            # a rubric shown the timing probes reads the clock: untrusted timing excuses it
            return replace(verdict, reason_kind="rubric", timing_derived=rubric.sees_probes)

        verdicts = await asyncio.gather(*(one(name) for name in success.rubrics))
    finally:
        await judge.aclose()
    return list(verdicts), usage


async def judge_session(
    directory: Path,
    success: SuccessConfig,
    settings: JudgeSettings,
    scenario_path: Path | None = None,
) -> Judgement:
    """Judge the session in `directory` and write its judgement.json.

    An earlier judgement.json is removed first: if judging stops half-way, no stale pass stays."""
    SessionPaths(directory).judgement.unlink(missing_ok=True)
    session = await asyncio.to_thread(load_session, directory)
    checks = await asyncio.to_thread(run_checks, session, success, scenario_path)
    sentiment = await asyncio.to_thread(caller_sentiment, session)
    rubrics, usage = await run_rubrics(session, success, settings, scenario_path)
    judgement = Judgement.combine([*checks, *rubrics], sentiment, usage)
    write_judgement(directory, judgement)
    return judgement


async def judge_session_safely(
    directory: Path,
    success: SuccessConfig,
    settings: JudgeSettings,
    scenario_path: Path | None = None,
) -> Judgement:
    """As `judge_session`, but a crash becomes an `error` verdict instead of losing the session."""
    try:
        return await judge_session(directory, success, settings, scenario_path)
    except Exception as exc:
        logger.exception("judging %s failed", directory)
        reason = exc.message if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
        verdict = Verdict.error("judging", "check", f"judging failed: {reason}")
        judgement = Judgement.combine([verdict], Sentiment())
        try:
            write_judgement(directory, judgement)
        except OSError:
            logger.exception("could not write %s", SessionPaths(directory).judgement)
        return judgement


def write_judgement(directory: Path, judgement: Judgement) -> None:
    write_json(SessionPaths(directory).judgement, judgement.to_json())


def success_of(
    session_document: dict[str, Any], where: Path | str = SESSION_FILE
) -> tuple[SuccessConfig, Path | None]:
    """The `success:` section a session ran with (from session.json at `where`), and its
    scenario file; a session.json of another shape is the user's input (a `ConfigError`)."""
    scenario_file = session_document.get("scenario_file")
    if scenario_file is not None and not isinstance(scenario_file, str):
        raise ConfigError(f"{where}: scenario_file: expected a path, found {scenario_file!r}")
    source = Path(scenario_file) if scenario_file else None
    scenario = session_document.get("scenario") or {}
    if not isinstance(scenario, dict):
        raise ConfigError(f"{where}: scenario: expected an object, found {scenario!r}")
    raw = scenario.get("success") or {}
    try:
        return SuccessConfig.model_validate(raw, context={"source": source}), source
    except ValidationError as exc:
        problems = "; ".join(
            f"success.{'.'.join(map(str, error['loc']))}: {error['msg']}".replace(
                "success.: ", "success: "
            )
            for error in exc.errors()
        )
        raise ConfigError(
            f"{where}: {problems}",
            hint=f"the scenario was {scenario_file}; judge from where its names resolve"
            if scenario_file
            else None,
        ) from None


async def judge_after_call(
    directory: Path, success: SuccessConfig, scenario_path: Path, outcome: str
) -> Judgement | None:
    """The runner's hook: judge a finished call into judgement.json (None: not judged).

    The session's outcome is decided later from the files (judging/outcome.py), so the verdicts
    are not copied into session.json's failures (which listed every reason twice)."""
    if outcome in ("cancelled", "error"):
        return None  # nothing worth judging, and no model calls spent on it
    try:
        settings = JudgeSettings.resolve(success.judge)
    except ConfigError as exc:
        settings = JudgeSettings()
        logger.error("judge settings: %s", exc.message)
    return await judge_session_safely(directory, success, settings, scenario_path)
