"""Frame-delivery jitter of the in-process link: how late each 20 ms frame is handed over.

Places the demo call N times at once (real sessions, real offline models, one worker process per
session by default, so CPU-heavy models cannot starve another call's clock) and prints, for
each N, the p50/p99/max of (actual - scheduled) delivery time over every frame of every session.
Target: p99 <= 5 ms at 8 concurrent sessions on a 2-core machine.
`--workers W` spreads the sessions over W processes instead (1: all in one event loop).

    python benchmarks/pacing.py [--sessions 1 8] [--workers W] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from crosstalk_harness.backends import get_backend
from crosstalk_harness.config import load_scenario
from crosstalk_harness.runner import SessionRun
from crosstalk_harness.runner.warmup import warm_up


async def _place_calls(scenario: Path, out: Path, names: list[str], barrier=None) -> list[float]:
    """Place one call per name in this process; returns every frame's lateness in seconds."""
    loaded = load_scenario(scenario)
    await warm_up(
        [get_backend(loaded.scenario.caller.backend), get_backend(loaded.scenario.agent.backend)]
    )
    if barrier is not None:
        barrier.wait()  # every worker has loaded its models before any clock starts
    runs = [SessionRun(loaded, name, out / name) for name in names]
    await asyncio.gather(*(run.run() for run in runs))
    return [lateness for run in runs for lateness in run.transport.pacing.lateness_s]


def _worker(scenario: Path, out: Path, names: list[str], barrier) -> list[float]:
    return asyncio.run(_place_calls(scenario, out, names, barrier))


def _measure(scenario: Path, sessions: int, out: Path, workers: int) -> dict[str, float | int]:
    names = [f"n{sessions}-s{i:02d}" for i in range(sessions)]
    workers = min(workers or sessions, sessions)
    started = time.monotonic()
    if workers == 1:
        lateness = asyncio.run(_place_calls(scenario, out, names))
    else:
        context = multiprocessing.get_context("spawn")
        with (
            context.Manager() as manager,
            ProcessPoolExecutor(workers, mp_context=context) as pool,
        ):
            barrier = manager.Barrier(workers)
            shares = [names[index::workers] for index in range(workers)]
            futures = [pool.submit(_worker, scenario, out, share, barrier) for share in shares]
            lateness = [value for future in futures for value in future.result()]
    lateness_ms = np.asarray(lateness) * 1000
    return {
        "sessions": sessions,
        "workers": workers,
        "frames": int(lateness_ms.size),
        "p50_ms": round(float(np.percentile(lateness_ms, 50)), 3),
        "p99_ms": round(float(np.percentile(lateness_ms, 99)), 3),
        "max_ms": round(float(lateness_ms.max()), 3),
        "wall_s": round(time.monotonic() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--scenario", type=Path, default=Path("scenarios/demo_order_status.yaml"))
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes (default: one per session; 1 = all sessions in one event loop)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per figure")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"pacing benchmark on {machine}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.sessions:
            figure = _measure(args.scenario, count, Path(scratch), args.workers)
            if args.json:
                print(json.dumps(figure))
                continue
            print(
                f"{count:>2} concurrent session(s) in {figure['workers']} process(es): "
                f"frame lateness p50 {figure['p50_ms']:.2f} ms, p99 {figure['p99_ms']:.2f} ms, "
                f"max {figure['max_ms']:.2f} ms over {figure['frames']} frames "
                f"({figure['wall_s']} s)"
            )


if __name__ == "__main__":
    main()
