"""The timeline picture of a call: both sides' speech, response gaps and barge-ins, annotated."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..probes import CallTiming  # noqa: E402

_LANES = {"agent": 1.0, "caller": 0.0}
_COLOURS = {"agent": "#3b7dd8", "caller": "#e08a2e"}


def draw_timeline(timing: CallTiming, path: Path, *, title: str = "", width_in: float = 11) -> None:
    figure, axes = plt.subplots(figsize=(width_in, 2.8), dpi=120)
    for side, lane in _LANES.items():
        spans = [(start, end - start) for start, end in timing.segments[side]]
        axes.broken_barh(spans, (lane - 0.3, 0.6), facecolors=_COLOURS[side], label=side)
    for response in timing.responses:
        axes.annotate(
            "",
            xy=(response.agent_start_s, 0.5),
            xytext=(response.caller_end_s, 0.5),
            arrowprops={"arrowstyle": "<->", "color": "#333333", "lw": 1},
        )
        axes.text(
            (response.caller_end_s + response.agent_start_s) / 2,
            0.56,
            f"{response.latency_ms:.0f} ms",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    for item in timing.interruptions:
        axes.axvline(item.start_s, color="#c0392b", lw=1, ls="--")
        axes.text(item.start_s, 1.42, "barge-in", color="#c0392b", fontsize=7, ha="center")
        axes.annotate(
            "",
            xy=(item.agent_stop_s, 1.35),
            xytext=(item.start_s, 1.35),
            arrowprops={"arrowstyle": "<->", "color": "#c0392b", "lw": 1},
        )
        axes.text(
            item.agent_stop_s,
            1.22,
            f"stop {item.stop_latency_ms:.0f} ms",
            color="#c0392b",
            fontsize=7,
            ha="left",
        )
        if item.recovery_ms is not None:
            axes.text(
                item.caller_end_s,
                0.32,
                f"recovery {item.recovery_ms:.0f} ms",
                color="#c0392b",
                fontsize=7,
                ha="left",
                va="top",
            )
    for backchannel in timing.backchannels:
        axes.text(backchannel.start_s, -0.45, "backchannel", fontsize=7, color="#7f8c8d")
    axes.set_yticks(list(_LANES.values()), list(_LANES))
    axes.set_ylim(-0.6, 1.6)
    axes.set_xlim(0, timing.summary.get("duration_s") or None)
    axes.set_xlabel("session time (s)")
    axes.grid(axis="x", alpha=0.3)
    if title:
        axes.set_title(title, fontsize=9)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
