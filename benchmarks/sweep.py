"""How many calls a sweep needs: `crosstalk sweep` on real offline calls, cold and again from the
cold sweep's margin as a baseline, for two knobs (caller->agent noise SNR and the link's one-way
latency, on tests/fixtures/scenarios/sweep_noise.yaml: a ~25 s order call judged on a check and
a latency budget); then, for every knob, the calls a cold sweep over a typical range at its
default step would take (2 ends + ceil(log2 steps) midpoints: the bisection's step count).

Prints per measured knob: the margin, the calls cold and from the baseline, and the wall time.
Take the call lock first: `flock /tmp/help/realcall.lock python benchmarks/sweep.py`.

    python benchmarks/sweep.py [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crosstalk_harness.config.knobs import KNOBS
from crosstalk_harness.sweep.bisect import Grid

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "tests" / "fixtures" / "scenarios" / "sweep_noise.yaml"
MEASURED = {  # knob: (from, to, resolution)
    "caller_to_agent.snr_db": (10.0, -10.0, 5.0),
    "one_way_latency_ms": (0.0, 2000.0, 250.0),
}
TYPICAL = {  # knob: a range a user would sweep, at the knob's default step
    "snr_db": (30, -10),
    "loss_percent": (0, 30),
    "one_way_latency_ms": (0, 1500),
    "latency_ms": (0, 1500),
    "jitter_ms": (0, 200),
    "barge_in_ms": (200, 3000),
    "words_per_minute": (120, 300),
    "pause_s": (0.1, 3.0),
}


def _sweep(knob: str, span: tuple[float, float, float], out: Path, baseline: str | None) -> dict:
    start, stop, resolution = span
    command = [
        sys.executable,
        "-m",
        "crosstalk_harness",
        "sweep",
        str(SCENARIO),
        "--vary",
        f"{knob}={start:g}..{stop:g}",
        "--resolution",
        f"{resolution:g}",
        "--json",
        "--out",
        str(out),
        "--allow-inconclusive",
    ]
    if baseline:
        command += ["--baseline", baseline]
    began = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    if completed.returncode not in (0, 1):
        sys.exit(f"crosstalk sweep failed ({completed.returncode}):\n{completed.stderr[-2000:]}")
    document = json.loads(completed.stdout)
    margin = document["sweeps"][0]["margin"]
    return {
        "margin": margin["margin"],
        "calls": margin["calls"],
        "outcome": document["outcome"],
        "wall_s": round(time.monotonic() - began, 1),
        "directory": document["directory"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for knob, span in MEASURED.items():
            cold = _sweep(knob, span, Path(folder) / "cold", None)
            warm = _sweep(knob, span, Path(folder) / "warm", cold["directory"])
            rows.append({"knob": knob, "range": span, "cold": cold, "from_baseline": warm})
    estimates = {
        name: 2 + Grid(start, stop, KNOBS[name].resolution).bisection_steps()
        for name, (start, stop) in TYPICAL.items()
    }
    if args.json:
        print(json.dumps({"measured": rows, "estimated_cold_calls": estimates}, indent=2))
        return
    for row in rows:
        start, stop, step = row["range"]
        print(f"{row['knob']} {start:g}..{stop:g} step {step:g}")
        for label in ("cold", "from_baseline"):
            r = row[label]
            print(f"  {label:13s} {r['calls']:2d} calls {r['wall_s']:6.1f} s  {r['margin']}")
    print("cold calls at each knob's default step over a typical range (estimated):")
    for name, calls in estimates.items():
        start, stop = TYPICAL[name]
        print(f"  {name:20s} {start:g}..{stop:g} step {KNOBS[name].resolution:g}: {calls} calls")


if __name__ == "__main__":
    main()
