"""Suite-level charts for the report (matplotlib PNGs as data URIs) and the criteria heat map."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .results import Cell, cell_json, cell_latencies  # noqa: E402

_AGENT_BLUE = "#3b7dd8"


def _png_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def latency_chart(cells: list[Cell]) -> str | None:
    """Every response latency per scenario cell as dots, p50/p95 ticks, and the budget line."""
    rows = [(cell, [v for g in cell_latencies(cell) for v in g]) for cell in cells]
    rows = [(cell, values) for cell, values in rows if values]
    if not rows:
        return None
    height = 0.9 + 0.45 * len(rows)
    figure, axes = plt.subplots(figsize=(8.5, min(height, 30)))
    rng = np.random.default_rng(0)
    for y, (cell, values) in enumerate(rows):
        jitter = rng.uniform(-0.15, 0.15, len(values))
        axes.scatter(values, y + jitter, s=10, color=_AGENT_BLUE, alpha=0.55, linewidths=0)
        for q, style in ((50, "-"), (95, "--")):
            axes.plot([np.percentile(values, q)] * 2, [y - 0.3, y + 0.3], style, color="#222")
        limits = cell_json(cell)["budgets"]
        limit = limits.get("response_latency_p95_ms") or limits.get("response_latency_max_ms")
        if limit:
            axes.plot([limit] * 2, [y - 0.4, y + 0.4], color="#c0392b", lw=2)
    axes.set_yticks(range(len(rows)), [cell.key for cell, _ in rows], fontsize=8)
    axes.set_xlabel("response latency heard by the caller (ms): — p50, -- p95, red = budget")
    axes.set_xlim(left=0)
    axes.invert_yaxis()
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    return _png_uri(figure)


def run_date(document: dict[str, Any]) -> str:
    """A run's date and time for an axis label, e.g. `12-02 17:21`, from its id or its file."""
    found = re.match(r"^\d{4}(\d{2})(\d{2})-(\d{2})(\d{2})", str(document.get("run_id", "")))
    if found:
        month, day, hour, minute = found.groups()
        return f"{month}-{day} {hour}:{minute}"
    generated = str(document.get("generated_at") or "")
    return generated[5:16].replace("T", " ") if generated else str(document.get("run_id", "?"))


def trend_title(history: list[dict[str, Any]]) -> str:
    """Which scenarios the trend covers: named when few, counted when many."""
    names = sorted({str(s.get("scenario")) for d in history for s in d.get("sessions") or [] if s})
    if len(names) <= 3:
        return "scenario" + ("s " if len(names) != 1 else " ") + ", ".join(names)
    return f"{len(names)} scenarios ({', '.join(names[:3])}, ...)"


def trend_points(history: list[dict[str, Any]]) -> list[tuple[str, float, float, float, float]]:
    """Per past run (oldest first): run id, latency p50 and p95, mean judge score and pass
    rate, over its sessions whose timing was trusted: an overloaded harness is no trend."""
    points = []
    for document in history:
        sessions = [
            s
            for s in document.get("sessions") or []
            if isinstance(s, dict) and s.get("timing_trusted") is not False
        ]
        latencies = [v for s in sessions for v in s.get("response_latencies_ms") or []]
        scores = [s["score"] for s in sessions if s.get("score") is not None]
        passed = sum(bool(s.get("passed")) for s in sessions)
        points.append(
            (
                str(document.get("run_id", "?")),
                float(np.percentile(latencies, 50)) if latencies else np.nan,
                float(np.percentile(latencies, 95)) if latencies else np.nan,
                float(np.mean(scores)) if scores else np.nan,
                passed / len(sessions) if sessions else np.nan,
            )
        )
    return points


def trend_chart(history: list[dict[str, Any]]) -> str | None:
    """Latency p50/p95, mean judge score and pass rate over past runs (oldest first), by date,
    leaving out sessions with untrusted timing (`trend_points`)."""
    points = trend_points(history)
    if len(points) < 2:
        return None
    labels = [run_date(document) for document in history]
    xs = np.arange(len(points))
    figure, (latency_axes, score_axes) = plt.subplots(2, 1, figsize=(8.5, 4.8), sharex=True)
    figure.suptitle(trend_title(history), fontsize=9)
    latency_axes.plot(xs, [p[1] for p in points], "o-", label="p50", color=_AGENT_BLUE)
    latency_axes.plot(xs, [p[2] for p in points], "s--", label="p95", color="#1d3f6e")
    latency_axes.set_ylabel("response latency (ms)")
    latency_axes.legend(fontsize=8)
    latency_axes.grid(alpha=0.3)
    # pass rate as bars behind, judge score as a line in front: equal values stay visible
    score_axes.bar(xs, [p[4] for p in points], width=0.5, label="pass rate", color="#a9dfbf")
    score_axes.plot(xs, [p[3] for p in points], "o-", label="judge score (0-1)", color="#8e44ad")
    score_axes.set_ylim(-0.05, 1.05)
    score_axes.legend(fontsize=8, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=2)
    score_axes.grid(alpha=0.3)
    score_axes.set_xticks(xs, labels, rotation=30, ha="right", fontsize=7)
    score_axes.set_xlabel("run (month-day hour:minute)", fontsize=8)
    figure.tight_layout()
    return _png_uri(figure)


def heat_colour(value: float | None) -> str:
    """Red (0) through amber to green (1), as an HSL background."""
    if value is None:
        return "transparent"
    hue = 120 * max(0.0, min(1.0, value))
    return f"hsl({hue:.0f}, 65%, 78%)"


def criteria_heatmap_rows(cells: list[dict[str, Any]]) -> dict[str, Any] | None:
    columns = sorted({name for cell in cells for name in cell["criteria"]})
    if not columns:
        return None
    rows = [
        {
            "key": cell["key"],
            "values": [
                (cell["criteria"].get(c), heat_colour(cell["criteria"].get(c))) for c in columns
            ],
        }
        for cell in cells
    ]
    return {"columns": columns, "rows": rows}
