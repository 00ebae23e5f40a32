"""Render the pictures in docs/ (run from the repository root: python docs/make_figures.py)."""

from __future__ import annotations

from pathlib import Path

from crosstalk_harness.probes import StereoRecording, analyze
from crosstalk_harness.reports.timeline import draw_timeline
from crosstalk_harness.testing.synthetic_calls import build_call

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    rate = 16_000
    caller, agent, _ = build_call(rate, seed=5, noise_db_below=30.0, tts=False)
    timing = analyze(StereoRecording(rate, caller, agent))
    draw_timeline(
        timing,
        ROOT / "docs" / "metrics-timeline.png",
        title="A synthetic call as the probes see it: responses, a barge-in and a backchannel",
    )


if __name__ == "__main__":
    main()
