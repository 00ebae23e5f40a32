"""How fast the reference agent answers: reply latency heard by the caller on the demo call.

Places the demo call (scenarios/demo_order_status.yaml: offline stack, Piper voices, Whisper
tiny.en) N times one after another through the real command, and pools every response the
caller heard from each run's probes.json: the time from the end of the caller's speech to the
start of the agent's reply, measured on the recording. Prints p50/p95/max over all responses,
the per-run p50, and whether the timing of each run was trustworthy (the harness kept pace).
Target on a 2-core machine: p50 <= 1.0 s and p95 <= 1.6 s.

    python benchmarks/agent_latency.py [--runs 5] [--scenario scenarios/demo_order_status.yaml]
        [--out DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_once(scenario: Path, out: Path) -> tuple[list[float], bool]:
    """One call through `crosstalk run`; its response latencies (ms) and timing trust."""
    command = [str(Path(sys.executable).parent / "crosstalk"), "run", str(scenario)]
    subprocess.run([*command, "--out", str(out), "-q"], cwd=REPO, check=False, timeout=600)
    probes = next(out.rglob("probes.json"))
    latencies = [r["latency_ms"] for r in json.loads(probes.read_text())["responses"]]
    result = json.loads(next(out.rglob("session.json")).read_text())["result"]
    return latencies, bool((result.get("timing_trust") or {}).get("trusted", True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scenario", type=Path, default=REPO / "scenarios/demo_order_status.yaml")
    parser.add_argument("--out", type=Path, help="keep the run directories here (default: none)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    pooled: list[float] = []
    per_run = []
    with tempfile.TemporaryDirectory(prefix="crosstalk-latency-") as scratch:
        folder = args.out or Path(scratch)
        for index in range(args.runs):
            latencies, trusted = run_once(args.scenario, Path(folder) / str(index))
            pooled += latencies
            per_run.append({"p50_ms": statistics.median(latencies), "trusted": trusted})
    figures = {
        "runs": args.runs,
        "responses": len(pooled),
        "p50_ms": _percentile(pooled, 0.5),
        "p95_ms": _percentile(pooled, 0.95),
        "max_ms": max(pooled),
        "per_run": per_run,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    print(f"# {figures['machine']}; {args.runs} runs of {args.scenario.name}")
    print(
        f"responses {figures['responses']}: p50 {figures['p50_ms']:.0f} ms, "
        f"p95 {figures['p95_ms']:.0f} ms, max {figures['max_ms']:.0f} ms"
    )
    for index, run in enumerate(per_run):
        trust = "" if run["trusted"] else " (timing untrustworthy: the harness fell behind)"
        print(f"  run {index + 1}: p50 {run['p50_ms']:.0f} ms{trust}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
