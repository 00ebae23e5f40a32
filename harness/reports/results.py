"""The machine-readable results of a run: `results.json` (versioned) and the pandas tables.

`results.json` follows `docs/results-schema.md` ("crosstalk.results/3"); `results.csv` has one row
per session and `turns.csv` one row per transcript turn, for spreadsheets and notebooks.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..judging.outcome import OUTCOMES, SessionOutcome
from ..judging.repeats import RepeatGroup, group_repeats, pass_hat_k
from ..judging.run_summary import GroupSummary, SummaryEntry, summarize, summary_json
from ..judging.twins import TwinSide, pair_twins
from ..rundir.files import read_json_object, write_json, write_text
from ..rundir.layout import RunPaths
from .loading import Run, Session
from .regressions import regression_lines
from .stats import percentile

RESULTS_SCHEMA = "crosstalk.results/3"


Cell = RepeatGroup[Session]  # the repeats of one scenario × variant × persona


def timed(cell: Cell) -> list[Session]:
    """The sessions whose timing can be trusted: the only ones in latency figures."""
    return [s for s in cell.sessions if s.timing_trusted]


def cell_latencies(cell: Cell) -> list[list[float]]:
    """Response latencies (ms) of each trusted session, grouped by session."""
    return [response_latencies(s) for s in timed(cell)]


def cell_json(cell: Cell) -> dict[str, Any]:
    """One entry of results.json's `cells`."""
    passes, trials = cell.passes, cell.runs
    k = max([s.repeats for s in cell.sessions] + [1])
    flat = [v for group in cell_latencies(cell) for v in group]
    stops = [i["stop_latency_ms"] for s in timed(cell) for i in interruptions(s)]
    recoveries = [
        i["recovery_ms"]
        for s in timed(cell)
        for i in interruptions(s)
        if i.get("recovery_ms") is not None
    ]
    scores = [s.score for s in cell.sessions if s.score is not None]
    limits: dict[str, float] = {}
    for session in cell.sessions:
        limits.update(session.budget_limits)
    return {
        "key": cell.key,
        "scenario": cell.scenario,
        "variant": cell.variant,
        "persona": cell.persona,
        "sessions": trials,
        "passed": passes,
        "inconclusive": sum(s.outcome == "inconclusive" for s in cell.sessions),
        "pass_rate": round(passes / trials, 3) if trials else None,
        "k": min(k, trials),
        "pass_hat_k": _round(pass_hat_k(passes, trials, min(k, trials))),
        "response_latency_ms": _figures(flat),
        "stop_latency_ms": _figures(stops),
        "recovery_ms": _figures(recoveries),
        # listed beside the figures, never in them: their latencies measure the harness
        "untrusted_timing_sessions": [s.session_id for s in cell.sessions if not s.timing_trusted],
        "score_mean": _round(sum(scores) / len(scores)) if scores else None,
        "criteria": criteria_means(cell.sessions),
        "budgets": limits,
        "tags": sorted({t for s in cell.sessions for t in s.tags}),
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return round(value, digits) if value is not None else None


def _figures(values: list[float]) -> dict[str, Any]:
    return {
        "count": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "max": round(max(values), 1) if values else None,
    }


def response_latencies(session: Session) -> list[float]:
    responses = session.probes.get("responses") or []
    return [float(r["latency_ms"]) for r in responses if isinstance(r, dict) and "latency_ms" in r]


def interruptions(session: Session) -> list[dict[str, Any]]:
    items = session.probes.get("interruptions") or []
    return [i for i in items if isinstance(i, dict) and i.get("stop_latency_ms") is not None]


def criteria_of(session: Session) -> dict[str, float]:
    """Each judge criterion's score on 0..1 (score ÷ max_score), keyed `judge/criterion` (or
    `judge` alone for a check, whose one criterion has its name)."""
    found: dict[str, float] = {}
    for verdict in (session.judgement or {}).get("verdicts", []):
        for criterion in verdict.get("criteria") or []:
            try:
                value = float(criterion["score"]) / float(criterion.get("max_score") or 1)
            except (KeyError, TypeError, ValueError, ZeroDivisionError):
                continue
            judge, name = str(verdict.get("judge", "?")), str(criterion.get("name", "?"))
            found[judge if judge == name else f"{judge}/{name}"] = round(value, 3)
    return found


def criteria_means(sessions: list[Session]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for session in sessions:
        for name, value in criteria_of(session).items():
            sums.setdefault(name, []).append(value)
    return {name: round(sum(v) / len(v), 3) for name, v in sums.items()}


def cells_of(run: Run) -> list[Cell]:
    return group_repeats(run.sessions)


HEARING_COLUMNS = ("entity_recall", "agent_wer", "agent_speech_wer")  # in results.csv


def hearing_json(hearing: dict[str, Any]) -> dict[str, Any] | None:
    """hearing.json's figures and every fact the agent missed (None: no hearing analysis)."""
    if not hearing:
        return None
    facts = hearing.get("facts")
    missed = [f for f in facts or [] if isinstance(f, dict) and not f.get("heard")]
    return {**(hearing.get("summary") or {}), "missed_facts": missed if facts is not None else None}


def session_json(session: Session) -> dict[str, Any]:
    timing = session.timing
    latency = timing.get("response_latency") or {}
    return {
        "session_id": session.session_id,
        "scenario": session.scenario,
        "variant": session.variant,
        "persona": session.persona,
        "repeat": session.repeat,
        "repeats": session.repeats,
        "tags": session.tags,
        "status": session.status,
        **session.verdict.to_json(),
        "passed": session.passed,
        "duration_s": session.duration_s,
        "score": session.score,
        "criteria": criteria_of(session),
        "timing_trusted": session.timing_trusted,
        "greeting_latency_ms": timing.get("greeting_latency_ms"),
        "response_latency_ms": {k: latency.get(f"{k}_ms") for k in ("p50", "p95", "max")},
        "response_latencies_ms": response_latencies(session),
        "stop_latencies_ms": [i["stop_latency_ms"] for i in interruptions(session)],
        "interruptions": timing.get("interruptions"),
        "hearing": hearing_json(session.hearing),
        "budgets": session.budgets,
        "review": (session.review or {}).get("verdict") if session.review else None,
        "problems": session.problems,
    }


def results_document(
    run: Run,
    comparison: dict[str, Any] | None = None,
    written: dict[str, Any] | None = None,
) -> dict[str, Any]:
    sessions = run.sessions
    counts = {
        "sessions": len(sessions),
        **{word: sum(s.outcome == word for s in sessions) for word in OUTCOMES},
        "errors": sum(s.verdict.broke for s in sessions),
    }
    verdict = run.verdict_with(regression_lines(comparison))
    outcome = verdict.outcome
    return {
        "schema": RESULTS_SCHEMA,
        "run_id": run.run_id,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "crosstalk_version": __version__,
        "outcome": outcome,
        "passed": outcome == "passed",
        "complete": run.complete,
        "cancelled": run.cancelled,
        "shard": run.shard,
        "errors": run.errors,
        "exit_code": verdict.exit_code(),
        "run": verdict.run.to_json(),
        "counts": counts,
        "cells": [cell_json(cell) for cell in cells_of(run)],
        "sessions": [session_json(s) for s in sessions],
        "twins": twins_of(sessions),
        "summary": {
            **summary_json(run_summary(run, verdict.run)),
            "written": written,  # model-written (a judge model configured), or null
        },
        "comparison": comparison,
    }


def run_summary(run: Run, run_part: SessionOutcome | None = None) -> list[GroupSummary]:
    """The run's failures and inconclusives grouped by kind (judging/run_summary.py)."""
    entries = [SummaryEntry(s.session_id, s.scenario, s.verdict) for s in run.sessions]
    return summarize(entries, run.verdict.run if run_part is None else run_part)


def twins_of(sessions: list[Session]) -> list[dict[str, Any]]:
    """Audio sessions beside their text twins (`--mode both`), each failure attributed."""
    return pair_twins([TwinSide(s.session_id, s.document, s.verdict, s.turns) for s in sessions])


def sessions_table(run: Run) -> pd.DataFrame:
    rows = []
    for session in run.sessions:
        document = session_json(session)
        latency = document.pop("response_latency_ms")
        for name in ("response_latencies_ms", "stop_latencies_ms", "budgets", "problems"):
            document.pop(name)
        criteria = document.pop("criteria")
        hearing = document.pop("hearing") or {}
        rows.append(
            {
                **document,
                **{name: hearing.get(name) for name in HEARING_COLUMNS},
                "tags": " ".join(session.tags),
                "reasons": " | ".join(document["reasons"]),
                "not_judged": " | ".join(document["not_judged"]),
                **{f"response_latency_{k}_ms": v for k, v in latency.items()},
                **{f"criterion:{k}": v for k, v in criteria.items()},
            }
        )
    return pd.DataFrame(rows)


def turns_table(run: Run) -> pd.DataFrame:
    rows = []
    for session in run.sessions:
        latency_by_start = {
            round(float(r["agent_start_s"]), 2): r["latency_ms"]
            for r in session.probes.get("responses") or []
            if isinstance(r, dict) and "agent_start_s" in r
        }
        for number, turn in enumerate(session.turns, start=1):
            start = turn.get("start_s")
            rows.append(
                {
                    "session_id": session.session_id,
                    "scenario": session.scenario,
                    "persona": session.persona,
                    "repeat": session.repeat,
                    "turn": number,
                    "speaker": turn.get("speaker"),
                    "start_s": start,
                    "end_s": turn.get("end_s"),
                    "interrupted": turn.get("interrupted"),
                    "backchannel": bool(turn.get("backchannel", False)),
                    "response_latency_ms": _nearest(latency_by_start, start),
                    "text": turn.get("text"),
                    "heard_as": turn.get("heard_as"),
                }
            )
    return pd.DataFrame(rows)


def _nearest(by_start: dict[float, float], start: Any, tolerance_s: float = 0.3) -> float | None:
    """The probe's latency of the reply whose measured start is this turn's start."""
    if not isinstance(start, int | float):
        return None
    for at, latency in by_start.items():
        if abs(at - start) <= tolerance_s:
            return latency
    return None


def write_results(
    run: Run, comparison: dict[str, Any] | None = None, written: dict[str, Any] | None = None
) -> dict[str, Any]:
    document = results_document(run, comparison, written)
    paths = RunPaths(run.directory)
    write_json(paths.results, document)
    write_text(paths.results_csv, sessions_table(run).to_csv(index=False))
    write_text(paths.turns_csv, turns_table(run).to_csv(index=False))
    return document


def read_results(path: Path) -> dict[str, Any]:
    return read_json_object(path)
