"""The timeline picture of a call: both sides' speech, response gaps and barge-ins, annotated.

Two renderings of the same picture: `draw_timeline` writes a matplotlib PNG (docs, notebooks),
`timeline_svg` returns inline SVG for the HTML report, where a click on a speech segment seeks the
call's audio and the agent's own events (tools, thinker, guardrails) are marked on a lane each.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from ..probes import CallTiming  # noqa: E402
from .tone import TONE_LANE_HEIGHT, tone_lane_svg  # noqa: E402

_LANES = {"agent": 1.0, "caller": 0.0}
_COLOURS = {"agent": "#3b7dd8", "caller": "#e08a2e"}
_EVENT_COLOURS = {
    "guardrail": "#c0392b",
    "thinker": "#8e44ad",
    "tool": "#16a085",
    "other": "#7f8c8d",
}
_MARKERS = {"guardrail": "v", "thinker": "o", "tool": "s", "other": "."}
MARKER_KINDS = ("tool", "thinker", "guardrail")  # each drawn on its own lane, top to bottom


def event_kind(event: dict[str, Any]) -> str:
    """guardrail | thinker | tool | other, from an agent_events.jsonl record's type."""
    kind = str(event.get("type", ""))
    if kind.startswith("guardrail"):
        return "guardrail"
    if kind.startswith("thinker"):
        return "thinker"
    return "tool" if kind.startswith("tool") else "other"


def draw_timeline(
    timing: CallTiming,
    path: Path,
    *,
    title: str = "",
    width_in: float = 11,
    agent_events: list[dict[str, Any]] | None = None,
) -> None:
    figure, axes = plt.subplots(figsize=(width_in, 2.8), dpi=120)
    for event in agent_events or []:
        kind = event_kind(event)
        axes.plot([event["t"]], [1.5], marker=_MARKERS[kind], color=_EVENT_COLOURS[kind], ms=5)
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


def _ticks(duration: float) -> list[float]:
    step = next(s for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600) if duration / s <= 14)
    return [i * step for i in range(int(duration // step) + 1)]


def timeline_svg(
    probes: dict[str, Any],
    duration_s: float | None,
    *,
    agent_events: list[dict[str, Any]] | None = None,
    latency_limit_ms: float | None = None,
) -> str:
    """Inline SVG of a call from probes.json; segments carry `data-seek` (seconds) for the player.

    Every text is escaped here, since the result is inserted into the page as markup.
    """
    segments = probes.get("segments") or {}
    ends = [e for side in segments.values() for _, e in side] + [
        float(e.get("t", 0)) for e in agent_events or []
    ]
    duration = float(duration_s or probes.get("summary", {}).get("duration_s") or 0)
    duration = max([duration, *ends, 1.0])
    width, left, right = 1000.0, 56.0, 12.0
    scale = (width - left - right) / duration

    def x(t: float) -> float:
        return round(left + t * scale, 1)

    # one lane per kind of agent event, above the speech, so a tool call is never hidden under
    # other dots; the agent's other events (state changes, metrics) are in the events table
    marker_lanes = {kind: 14.0 + 16.0 * index for index, kind in enumerate(MARKER_KINDS)}
    shift = 16.0 * len(MARKER_KINDS) - 14.0  # the speech lanes start below the marker lanes
    lanes = {"agent": 50.0 + shift, "caller": 106.0 + shift}
    prosody = probes.get("prosody") if isinstance(probes.get("prosody"), dict) else None
    height = 160.0 + shift + (TONE_LANE_HEIGHT if (prosody or {}).get("turns") else 0.0)
    out = [
        f'<svg class="timeline" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-label="timeline of the call">'
    ]
    for name, y in {**marker_lanes, **lanes}.items():
        out.append(f'<text class="lane {name}" x="4" y="{y + 4}">{name}</text>')
    for tick in _ticks(duration):
        out.append(
            f'<line class="tick" x1="{x(tick)}" x2="{x(tick)}" y1="{30 + shift}" '
            f'y2="{136 + shift}"/>'
        )
        out.append(f'<text class="tickl" x="{x(tick)}" y="{152 + shift}">{tick:g}s</text>')
    for side in ("agent", "caller"):
        y = lanes[side]
        for start, end in segments.get(side) or []:
            out.append(
                f'<rect class="seg {side}" x="{x(start)}" y="{y - 12}" height="24" '
                f'width="{max(1.0, (end - start) * scale):.1f}" data-seek="{start:.3f}">'
                f"<title>{side} {start:.2f}–{end:.2f} s</title></rect>"
            )
    for response in probes.get("responses") or []:
        x0, x1 = x(response["caller_end_s"]), x(response["agent_start_s"])
        late = latency_limit_ms is not None and response["latency_ms"] > latency_limit_ms
        css = "gap late" if late else "gap"
        out.append(f'<line class="{css}" x1="{x0}" x2="{x1}" y1="{78 + shift}" y2="{78 + shift}"/>')
        out.append(
            f'<text class="{css}" x="{(x0 + x1) / 2:.1f}" y="{74 + shift}">'
            f"{response['latency_ms']:.0f} ms</text>"
        )
    out += _interruption_marks(probes, x, shift)
    out += _plan_marks(probes, x, lanes)
    out += _event_markers(agent_events or [], marker_lanes, x)
    out += tone_lane_svg(prosody, x, 156.0 + shift)
    out.append(f'<line class="playhead" x1="-10" x2="-10" y1="4" y2="{140 + shift}"/>')
    out.append(f'<desc data-left="{left}" data-scale="{scale:.6f}"></desc>')
    out.append("</svg>")
    return "".join(out)


def _interruption_marks(probes: dict[str, Any], x: Any, shift: float) -> list[str]:
    """Barge-ins (where the caller cut in, how fast the agent stopped) and backchannels."""
    out: list[str] = []
    for item in probes.get("interruptions") or []:
        xs, xe = x(item["start_s"]), x(item.get("agent_stop_s") or item["start_s"])
        out.append(
            f'<line class="barge" x1="{xs}" x2="{xs}" y1="{32 + shift}" y2="{122 + shift}"/>'
        )
        stop = item.get("stop_latency_ms")
        label = f"barge-in, stop {stop:.0f} ms" if stop is not None else "barge-in"
        if item.get("missed"):
            label += " (missed)"
        out.append(f'<line class="barge" x1="{xs}" x2="{xe}" y1="{34 + shift}" y2="{34 + shift}"/>')
        out.append(f'<text class="barge" x="{xs + 2}" y="{44 + shift}">{html.escape(label)}</text>')
    for item in probes.get("backchannels") or []:
        out.append(
            f'<text class="backch" x="{x(item["start_s"])}" y="{130 + shift}">backchannel</text>'
        )
    return out


def _plan_marks(probes: dict[str, Any], x: Any, lanes: dict[str, float]) -> list[str]:
    """The caller's planned pauses (shaded on its lane; a takeover marked where the agent began
    inside one) and its asides (labelled, with whether the agent answered)."""
    out: list[str] = []
    caller_y, agent_y = lanes["caller"], lanes["agent"]
    for turn in probes.get("pauses") or []:
        for pause in turn.get("pauses") or []:
            start, length = float(pause["start_s"]), float(pause["pause_s"])
            out.append(
                f'<rect class="pause" x="{x(start)}" y="{caller_y - 12}" height="24" '
                f'width="{max(1.0, x(start + length) - x(start)):.1f}">'
                f"<title>planned pause {length:.2f} s</title></rect>"
            )
        began = turn.get("agent_start_s")
        if turn.get("takeover") and began is not None:
            out.append(
                f'<line class="takeover" x1="{x(began)}" x2="{x(began)}" y1="{agent_y - 16}" '
                f'y2="{caller_y + 12}"/><text class="takeover" x="{x(began) + 2}" '
                f'y="{agent_y - 18}">takeover</text>'
            )
    for aside in probes.get("asides") or []:
        label = "aside, answered" if aside.get("answered") else "aside"
        out.append(
            f'<text class="aside" x="{x(float(aside["end_s"]))}" y="{caller_y + 24}">'
            f"{html.escape(label)}</text>"
        )
    return out


def _event_markers(
    agent_events: list[dict[str, Any]], lanes: dict[str, float], x: Callable[[float], float]
) -> list[str]:
    """A dot per agent event of a marked kind, in its lane, its data as the tooltip."""
    out = []
    for event in agent_events:
        kind = event_kind(event)
        if kind not in lanes:
            continue
        t = float(event.get("t", 0))
        data = event.get("data") if isinstance(event.get("data"), dict) else {}
        detail = ", ".join(f"{k}: {v}" for k, v in data.items())[:300]
        tip = html.escape(f"{t:.2f}s {event.get('type', '')} {detail}")
        out.append(
            f'<circle class="ev {kind}" cx="{x(t)}" cy="{lanes[kind]}" r="6" '
            f'data-seek="{t:.3f}" data-t="{t:.3f}"><title>{tip}</title></circle>'
        )
    return out
