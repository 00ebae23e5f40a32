"""The HTML report: one self-contained file per run (inline CSS/JS, charts and audio embedded).

The page is rendered by jinja2 with autoescaping on, so transcript text, judge rationales and
anything else read from the run directory is shown as text, never run as markup. The only
markup inserted unescaped is what this package builds itself (SVG timelines, chart data URIs).
"""

from __future__ import annotations

import logging
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .. import __version__
from ..rundir.files import write_text
from ..rundir.layout import PROBES_FILE, RECORDING, RunPaths, SessionPaths
from .agent_events import agent_events_view
from .audio import EmbeddedAudio, embed_audio, estimated_bytes
from .charts import criteria_heatmap_rows, latency_chart, trend_chart
from .glance import MOST_FAILURES, failure_cards, hearing_lines, latency_lines
from .hearing_turns import hearing_by_turn
from .loading import Run, Session
from .regressions import regression_lines
from .results import Cell, cell_json, cells_of, criteria_of, run_summary, twins_of
from .timeline import timeline_svg
from .tone import tone_lines
from .turn_tone import prosody_by_turn, tone_verdicts_by_turn

logger = logging.getLogger(__name__)

DEFAULT_AUDIO_BUDGET_MB = 25.0


@dataclass
class ReportOptions:
    audio: str = "embed"  # embed (Opus, up to the budget, then link) | link | none
    audio_budget_mb: float = DEFAULT_AUDIO_BUDGET_MB
    history: list[dict[str, Any]] = field(default_factory=list)  # results docs, oldest first
    written_summary: dict[str, Any] | None = None  # model-written (reports/written.py)


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("crosstalk_harness.reports", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = _clock
    env.filters["ms"] = lambda v: f"{v:,.0f} ms" if _number(v) else "–"
    env.filters["num"] = lambda v, d=2: f"{v:.{d}f}" if _number(v) else "–"
    env.filters["pct"] = lambda v: f"{v:.0%}" if _number(v) else "–"
    env.filters["budget_name"] = lambda v: str(v).removesuffix("_ms").replace("_", " ")
    env.filters["slug"] = lambda v: re.sub(r"[^A-Za-z0-9_-]+", "-", str(v))
    return env


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _clock(seconds: Any) -> str:
    if not _number(seconds):
        return "–"
    minutes, rest = divmod(float(seconds), 60)
    return f"{int(minutes)}:{rest:04.1f}"


def marked_parts(text: str, quotes: list[str]) -> list[tuple[str, bool]]:
    """`text` split into (piece, is_evidence) so quotes can be highlighted without raw markup."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for quote in quotes:
        at = lowered.find(quote.lower()) if quote else -1
        if at >= 0:
            spans.append((at, at + len(quote)))
    parts: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            start = position
        if start >= end:
            continue
        parts.append((text[position:start], False))
        parts.append((text[start:end], True))
        position = end
    parts.append((text[position:], False))
    return [p for p in parts if p[0]]


def _evidence_by_turn(session: Session) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for verdict in (session.judgement or {}).get("verdicts") or []:
        for criterion in verdict.get("criteria") or []:
            for item in criterion.get("evidence") or []:
                if isinstance(item, dict) and isinstance(item.get("turn"), int):
                    found.setdefault(item["turn"], []).append(str(item.get("quote") or ""))
    return found


def _turn_views(session: Session) -> list[dict[str, Any]]:
    evidence = _evidence_by_turn(session)
    hearing = hearing_by_turn(session)
    figures, tone = prosody_by_turn(session), tone_verdicts_by_turn(session)
    latency_at = {
        round(float(r["agent_start_s"]), 1): r.get("latency_ms")
        for r in session.probes.get("responses") or []
        if isinstance(r, dict) and "agent_start_s" in r
    }
    views = []
    for number, turn in enumerate(session.turns, start=1):
        text = str(turn.get("text") or "")
        heard = str(turn.get("heard_as") or "")
        start = turn.get("start_s")
        latency = None
        if turn.get("speaker") == "agent" and isinstance(start, int | float):
            latency = next(
                (v for at, v in latency_at.items() if abs(at - start) <= 0.3),
                None,
            )
        views.append(
            {
                "number": number,
                "speaker": str(turn.get("speaker") or "?"),
                "start": start,
                "end": turn.get("end_s"),
                "parts": marked_parts(text, evidence.get(number, [])),
                "heard_as": heard if heard and heard.strip() != text.strip() else "",
                "heard_clean": hearing.get(number, ("", []))[0],
                "missed": hearing.get(number, ("", []))[1],
                "interrupted": bool(turn.get("interrupted")),
                "latency_ms": latency,
                "evidence": number in evidence,
                "prosody": figures.get(number, []),
                "tone": tone.get(number, []),
            }
        )
    return views


def _budget_rows(session: Session) -> list[dict[str, Any]]:
    return [
        {
            "budget": b.get("budget"),
            "limit": b.get("limit_ms"),
            "measured": b.get("measured_ms"),
            "passed": b.get("passed"),
            "judged": b.get("judged", True),  # false: the session's timing was untrustworthy
        }
        for b in session.budgets
    ]


def _latency_limit(session: Session) -> float | None:
    limits = session.budget_limits
    return limits.get("response_latency_max_ms") or limits.get("response_latency_p95_ms")


def _caller_view(state: dict[str, Any] | None) -> list[tuple[str, str]]:
    """caller_state.json as words: empty values left out, yes/no for booleans."""
    rows = []
    for key, value in (state or {}).items():
        if key == "schema" or value in (None, "", [], {}):
            continue
        shown = ("yes" if value else "no") if isinstance(value, bool) else str(value)
        rows.append((key.replace("_", " "), shown))
    return rows


def _anchor(session: Session) -> str:
    return _anchor_of(session.session_id)


def _anchor_of(session_id: str) -> str:
    return "s-" + re.sub(r"[^A-Za-z0-9_-]+", "-", session_id)


def _twin_views(run: Run) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """`--mode both`: each audio session beside its text twin (judging/twins.py), with the
    anchors of both cards, and each of the two sessions' ids mapped to its pair."""
    pairs = []
    for twin in twins_of(run.sessions):
        audio, text = twin["audio"], twin["text"]
        audio_anchor, text_anchor = _anchor_of(audio["session_id"]), _anchor_of(text["session_id"])
        pairs.append(twin | {"audio_anchor": audio_anchor, "text_anchor": text_anchor})
    by_session = {p[side]["session_id"]: p for p in pairs for side in ("audio", "text")}
    return pairs, by_session


def _session_view(session: Session, audio: EmbeddedAudio | None, audio_src: str) -> dict[str, Any]:
    try:
        timeline = Markup(
            timeline_svg(
                session.probes,
                session.duration_s,
                agent_events=session.agent_events,
                latency_limit_ms=_latency_limit(session),
            )
        )
    except Exception as exc:  # a malformed probes.json must not cost the whole report
        logger.warning("timeline of %s failed: %s", session.session_id, exc)
        session.problems.append(f"{PROBES_FILE}: could not draw the timeline ({exc})")
        timeline = None
    judgement = session.judgement or {}
    agent_view = {
        round(float(v.get("agent_start_s", -1)), 2): v
        for v in session.probes.get("agent_view") or []
        if isinstance(v, dict)
    }
    labels = session.probes.get("response_labels") or []
    responses = []
    for index, response in enumerate(session.probes.get("responses") or []):
        label = labels[index] if index < len(labels) and isinstance(labels[index], dict) else {}
        responses.append(
            {
                **response,
                **label,
                "agent": agent_view.get(round(float(response.get("agent_start_s", -2)), 2), {}),
            }
        )
    return {
        "s": session,
        "anchor": _anchor(session),
        "timeline": timeline,
        "audio": audio,
        "audio_src": audio_src,
        "turns": _turn_views(session),
        "verdicts": judgement.get("verdicts") or [],
        "sentiment": judgement.get("sentiment"),
        "usage": judgement.get("usage"),
        "criteria": criteria_of(session),
        "budgets": _budget_rows(session),
        "responses": responses,
        "interruptions": session.probes.get("interruptions") or [],
        "agent_events": agent_events_view(session.agent_events),
        "caller_view": _caller_view(session.caller_state),
    }


def _audio_plan(run: Run, options: ReportOptions) -> dict[str, EmbeddedAudio | None]:
    """Which sessions get their recording embedded: failures first, until the size budget.

    Encoding runs on every core (the encoder releases the GIL); the rest are linked.
    """
    if options.audio != "embed":
        return {}
    budget = options.audio_budget_mb * 1e6 * 3 / 4  # base64 adds a third
    chosen, planned = [], 0
    for session in sorted(run.sessions, key=lambda s: (s.outcome == "passed", s.session_id)):
        size = estimated_bytes(SessionPaths(session.directory).recording)
        if size and planned + size > budget:
            break
        if size:
            chosen.append(session)
            planned += size

    def encode(session: Session) -> EmbeddedAudio | None:
        try:
            return embed_audio(SessionPaths(session.directory).recording)
        except Exception as exc:
            session.problems.append(f"{RECORDING}: could not be embedded ({exc})")
            return None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        encoded = list(pool.map(encode, chosen))
    return {s.session_id: a for s, a in zip(chosen, encoded, strict=True) if a is not None}


def _sort_key(session: Session) -> tuple[int, str]:
    return ({"failed": 0, "inconclusive": 1, "passed": 2}[session.outcome], session.session_id)


def _summary_views(run: Run, comparison: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The run summary's groups with links to each first example, for a run of many sessions."""
    if len(run.sessions) < 2:
        return []
    anchors = {s.session_id: _anchor(s) for s in run.sessions}
    verdict = run.verdict_with(regression_lines(comparison))
    return [
        {
            **group.to_json(),
            "anchor": anchors.get(group.first.session_id, "results") if group.first else "",
        }
        for group in run_summary(run, verdict.run)
    ]


def _written_view(run: Run, written: dict[str, Any] | None) -> dict[str, Any] | None:
    """The model-written summary with each cited session's anchor; None without one."""
    if not written or not (written.get("went_well") or written.get("to_improve")):
        return None
    anchors = {s.session_id: _anchor(s) for s in run.sessions}

    def linked(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {"text": p["text"], "links": [(s, anchors[s]) for s in p["sessions"] if s in anchors]}
            for p in points
        ]

    return {
        "model": written.get("model"),
        "went_well": linked(written.get("went_well") or []),
        "to_improve": linked(written.get("to_improve") or []),
    }


def render_report(
    run: Run,
    comparison: dict[str, Any] | None = None,
    options: ReportOptions | None = None,
) -> str:
    options = options or ReportOptions()
    environment = _environment()
    cells: list[Cell] = cells_of(run)
    twins, twin_of = _twin_views(run)
    audio = _audio_plan(run, options)
    session_template = environment.get_template("session.html.j2")
    sessions = []
    for session in sorted(run.sessions, key=_sort_key):
        linked = ""
        if options.audio != "none" and session.session_id not in audio:
            wav = SessionPaths(session.directory).recording
            linked = f"{session.directory.name}/{wav.name}" if wav.is_file() else ""
        view = {"s": session, "anchor": _anchor(session)}
        try:
            view = _session_view(session, audio.get(session.session_id), linked)
            view["twin"] = twin_of.get(session.session_id)
            opened = session.outcome != "passed" or len(run.sessions) <= 3
            view["html"] = Markup(session_template.render(v=view, open=opened))
        except Exception as exc:  # one unreadable session must not cost the report
            logger.exception("rendering %s failed", session.session_id)
            view["html"] = Markup(
                environment.get_template("session_error.html.j2").render(
                    v=view, error=f"{type(exc).__name__}: {exc}"
                )
            )
        sessions.append(view)
    cell_docs = [cell_json(cell) for cell in cells]
    heatmap = criteria_heatmap_rows(cell_docs)
    template = environment.get_template("report.html.j2")
    return template.render(
        run=run,
        title=f"crosstalk · {run.run_id}",
        generated_at=time.strftime("%Y-%m-%d %H:%M:%S"),
        version=__version__,
        sessions=sessions,
        failures=[v for v in sessions if v["s"].outcome != "passed"],
        failure_cards=failure_cards(sessions),
        hearing_lines=hearing_lines(sessions),
        most_failures=MOST_FAILURES,
        summary_groups=_summary_views(run, comparison),
        written=_written_view(run, options.written_summary),
        latency_lines=latency_lines(cell_docs, run.sessions),
        tone_lines=tone_lines(sessions),
        cells=cell_docs,
        twins=twins,
        heatmap=heatmap,
        latency_chart=latency_chart(cells),
        trend_chart=trend_chart(options.history) if options.history else None,
        history=options.history,
        comparison=comparison,
        tags=sorted({t for s in run.sessions for t in s.tags}),
        personas=sorted({s.persona for s in run.sessions}),
        embedded=len(audio),
        audio_mode=options.audio,
        css=Markup(files("crosstalk_harness.reports").joinpath("templates/report.css").read_text()),
        js=Markup(files("crosstalk_harness.reports").joinpath("templates/report.js").read_text()),
    )


def write_report(
    run: Run,
    comparison: dict[str, Any] | None = None,
    options: ReportOptions | None = None,
    path: Path | None = None,
) -> Path:
    path = path or RunPaths(run.directory).report
    write_text(path, render_report(run, comparison, options))
    return path
