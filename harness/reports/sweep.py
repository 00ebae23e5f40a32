"""The sweep's report page (sweep.html): per knob, the margin in a sentence and a plot of each
call's outcome against the knob, with the scenario's first budget figure where it has one.

Written from sweep.json alone, like every report: a sweep can be re-rendered without a call.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt

from ..rundir.documents import read_sweep
from ..rundir.files import write_text
from ..rundir.layout import SweepPaths
from .charts import _png_uri

_Y = {"passed": 1.0, "inconclusive": 0.5, "failed": 0.0}
_COLOUR = {"passed": "#2f9e44", "inconclusive": "#999999", "failed": "#d6336c"}


def sweep_chart(sweep: dict[str, Any]) -> str:
    """Outcome (dots, one per call) and the budget's figure (a line, right axis) against the
    knob, the margin's bracket shaded."""
    calls = [call for point in sweep.get("points") or [] for call in point.get("calls") or []]
    figure, axes = plt.subplots(figsize=(8, 3.2))
    for outcome, y in _Y.items():
        xs = [c["value"] for c in calls if c.get("outcome") == outcome]
        jitter = [
            y + 0.04 * (c.get("repeat", 0) % 3 - 1) for c in calls if c.get("outcome") == outcome
        ]
        axes.scatter(xs, jitter, s=28, color=_COLOUR[outcome], label=outcome, zorder=3)
    axes.set_yticks(list(_Y.values()), list(_Y))
    axes.set_ylim(-0.3, 1.3)
    unit = sweep.get("unit", "")
    axes.set_xlabel(f"{sweep.get('knob')} ({unit})")
    axes.set_xlim(sweep.get("from", 0), sweep.get("to", 1))  # as swept: FROM on the left
    margin = sweep.get("margin") or {}
    if margin.get("pass_value") is not None and margin.get("fail_value") is not None:
        axes.axvspan(margin["pass_value"], margin["fail_value"], color="#ffd43b", alpha=0.35)
    figures = [(c["value"], c["figure"]) for c in calls if isinstance(c.get("figure"), dict)]
    measured = sorted((x, f["measured_ms"]) for x, f in figures if f.get("measured_ms") is not None)
    if measured:
        right = axes.twinx()
        right.plot(*zip(*measured, strict=True), color="#3b7dd8", marker=".", linewidth=1)
        name, limit = figures[0][1].get("budget", "budget"), figures[0][1].get("limit_ms")
        if limit is not None:
            right.axhline(limit, color="#3b7dd8", linestyle="--", linewidth=0.8)
        right.set_ylabel(str(name), color="#3b7dd8")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, fontsize=7, frameon=False)
    figure.tight_layout()
    return _png_uri(figure)


def _section(sweep: dict[str, Any]) -> str:
    margin = sweep.get("margin") or {}
    left_out = sweep.get("left_out") or []
    outcome = html.escape(str(sweep.get("outcome")))
    lines = [
        f"<h2>{html.escape(str(sweep.get('label')))}</h2>",
        f"<p class='{outcome}'><b>{outcome}</b>: {html.escape(str(margin.get('margin', '')))}</p>",
    ]
    for reason in sweep.get("reasons") or []:
        lines.append(f"<p>{html.escape(str(reason))}</p>")
    if left_out:
        lines.append(f"<p>Left out (not judgeable here): {html.escape('; '.join(left_out))}</p>")
    lines.append(
        f"<img alt='outcome against {html.escape(str(sweep.get('knob')))}' "
        f"src='{sweep_chart(sweep)}'>"
    )
    rows = "".join(
        f"<tr><td>{c['value']:g}</td><td>{c.get('repeat', 0) + 1}</td>"
        f"<td>{html.escape(str(c.get('outcome')))}</td>"
        f"<td>{html.escape(str(c.get('session_dir') or c.get('run_dir')))}</td></tr>"
        for point in sweep.get("points") or []
        for c in point.get("calls") or []
    )
    lines.append(
        f"<table><tr><th>value</th><th>repeat</th><th>outcome</th><th>call</th></tr>{rows}</table>"
    )
    return "\n".join(lines)


def write_sweep_report(directory: Path) -> Path:
    """sweep.html of the sweep directory, from its sweep.json."""
    document = read_sweep(directory)
    body = "\n".join(_section(sweep) for sweep in document.get("sweeps") or [])
    page = (
        "<!doctype html><meta charset='utf-8'><title>crosstalk sweep</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        ".passed{color:#2f9e44}.failed{color:#d6336c}.inconclusive{color:#666}"
        "td,th{padding:0 .6em;text-align:left;font-size:.85em}</style>"
        f"<h1>Sweep: {html.escape(str(document.get('outcome')))}</h1>{body}"
    )
    path = SweepPaths(directory).report
    write_text(path, page)
    return path
