"""Suite-level charts for the report (matplotlib PNGs as data URIs) and the criteria heat map."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .results import Cell  # noqa: E402

_AGENT_BLUE = "#3b7dd8"


def _png_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def latency_chart(cells: list[Cell]) -> str | None:
    """Every response latency per scenario cell as dots, p50/p95 ticks, and the budget line."""
    rows = [(cell, [v for g in cell.latencies() for v in g]) for cell in cells]
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
        limits = cell.to_json()["budgets"]
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


def trend_chart(history: list[dict[str, Any]]) -> str | None:
    """Latency p50/p95 and mean judge score over past runs (results documents, oldest first)."""
    points = []
    for document in history:
        latencies = [
            v for s in document.get("sessions") or [] for v in s.get("response_latencies_ms") or []
        ]
        scores = [s["score"] for s in document.get("sessions") or [] if s.get("score") is not None]
        points.append(
            (
                str(document.get("run_id", "?")),
                np.percentile(latencies, 50) if latencies else np.nan,
                np.percentile(latencies, 95) if latencies else np.nan,
                np.mean(scores) if scores else np.nan,
                sum(bool(s.get("passed")) for s in document.get("sessions") or [])
                / max(1, len(document.get("sessions") or [])),
            )
        )
    if len(points) < 2:
        return None
    labels = [p[0][-13:] for p in points]
    xs = np.arange(len(points))
    figure, (latency_axes, score_axes) = plt.subplots(2, 1, figsize=(8.5, 4.6), sharex=True)
    latency_axes.plot(xs, [p[1] for p in points], "o-", label="p50", color=_AGENT_BLUE)
    latency_axes.plot(xs, [p[2] for p in points], "s--", label="p95", color="#1d3f6e")
    latency_axes.set_ylabel("response latency (ms)")
    latency_axes.legend(fontsize=8)
    latency_axes.grid(alpha=0.3)
    score_axes.plot(xs, [p[3] for p in points], "o-", label="judge score", color="#8e44ad")
    score_axes.plot(xs, [p[4] for p in points], "s--", label="pass rate", color="#16a085")
    score_axes.set_ylim(-0.05, 1.05)
    score_axes.legend(fontsize=8)
    score_axes.grid(alpha=0.3)
    score_axes.set_xticks(xs, labels, rotation=30, ha="right", fontsize=7)
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
