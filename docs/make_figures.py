"""Render the pictures in docs/ (run from the repository root: python docs/make_figures.py)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from crosstalk_harness.probes import StereoRecording, analyze  # noqa: E402
from crosstalk_harness.reports.timeline import draw_timeline  # noqa: E402

from tests.synthetic_calls import build_call  # noqa: E402


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
