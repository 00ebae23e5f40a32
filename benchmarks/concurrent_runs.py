"""Concurrent sessions through the real command: `crosstalk run --concurrency N` on N copies of a
short offline call (tests/fixtures/scenarios/byo_agent.yaml: a tiny agent, a three-line caller,
Silero + Whisper + espeak in every worker), for each N. (benchmarks/concurrency.py measures the
pacing limit of one process with light sides; this one measures what a user's run gets.)

Prints, per N: the wall time of the whole run, how many of the N calls kept trusted timing, the
CPU it used (all worker processes, as a share of the machine's cores), the load average around
it, and per session the frame-pacing p99, the event-loop lag p99/max and whether its timing was
trusted. A run's verdict (passed, failed or inconclusive: exit 0, 1 or 4) is a result here, as
the demo scenario is inconclusive offline, and so is a session that errored (exit 3: counted
untrusted, its error shown); only bad input, or a run with no results, stops the benchmark.

    python benchmarks/concurrent_runs.py [--sessions 1 2 4 8] [--scenario PATH] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from crosstalk_harness.errors import (
    EXIT_FAILED,
    EXIT_INCONCLUSIVE,
    EXIT_INFRASTRUCTURE,
    EXIT_OK,
)

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = REPO / "tests" / "fixtures" / "scenarios" / "byo_agent.yaml"


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(scenario: Path, sessions: int, out: Path) -> dict:
    load_before = os.getloadavg()[0]
    cpu_before, started = _children_cpu_s(), time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "crosstalk_harness", "run", *[str(scenario)] * sessions]
        + ["--concurrency", str(sessions), "--out", str(out), "--json", "--quiet"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    wall_s = time.monotonic() - started
    cpu_s = _children_cpu_s() - cpu_before
    try:
        run = json.loads(completed.stdout)
    except json.JSONDecodeError:
        run = None
    verdicts = (EXIT_OK, EXIT_FAILED, EXIT_INCONCLUSIVE, EXIT_INFRASTRUCTURE)
    if run is None or completed.returncode not in verdicts:
        raise SystemExit(f"crosstalk run failed ({completed.returncode}): {completed.stderr}")
    reported = run["sessions"]  # a session that errored (exit 3) is a result too: untrusted
    return {
        "concurrency": sessions,
        "wall_s": round(wall_s, 1),
        "cpu_percent_of_machine": round(100 * cpu_s / wall_s / (os.cpu_count() or 1)),
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "outcome": run["outcome"],
        "trusted": sum(_trust(s)["trusted"] for s in reported),
        "untrusted": sum(not _trust(s)["trusted"] for s in reported),
        "sessions": [
            {
                "session_id": s["session_id"],
                "audio_s": s.get("duration_s") or 0.0,
                "pacing_p99_ms": (s.get("pacing") or {}).get("p99_ms"),
                "pacing_max_ms": (s.get("pacing") or {}).get("max_ms"),
                "loop_lag_p99_ms": (s.get("loop_lag") or {}).get("p99_ms"),
                "loop_lag_max_ms": (s.get("loop_lag") or {}).get("max_ms"),
                "trusted": _trust(s)["trusted"],
                "reasons": _trust(s)["reasons"],
                "outcome": s.get("outcome"),
                "why": (s.get("reasons") or [None])[0],
            }
            for s in reported
        ],
    }


def _trust(session: dict) -> dict:
    """A session's timing trust; one that errored has none, and counts as not trusted."""
    error = session.get("error") or "no timing verdict"
    return session.get("timing_trust") or {"trusted": False, "reasons": [f"error: {error}"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 2, 4, 8], metavar="N")
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--out", type=Path, help="keep the runs' directories here (default: a temporary folder)"
    )
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    figures = []
    with tempfile.TemporaryDirectory(prefix="crosstalk-bench-") as scratch:
        out = args.out or Path(scratch)
        for sessions in args.sessions:
            figures.append(_measure(args.scenario, sessions, out / f"n{sessions}"))
            if not args.json:
                _print(figures[-1])
    if args.json:
        print(json.dumps({"machine": machine, "runs": figures}, indent=2))
    else:
        print(f"machine: {machine}")


def _print(figure: dict) -> None:
    print(
        f"concurrency {figure['concurrency']}: wall {figure['wall_s']} s, trusted "
        f"{figure['trusted']}/{len(figure['sessions'])} ({figure['outcome']}), CPU "
        f"{figure['cpu_percent_of_machine']} % of the machine, load "
        f"{figure['load_1min_before']} -> {figure['load_1min_after']}"
    )
    for session in figure["sessions"]:
        print(
            f"  {session['session_id']}: {session['audio_s']:.1f} s of audio, pacing p99 "
            f"{session['pacing_p99_ms']} ms (max {session['pacing_max_ms']}), loop lag p99 "
            f"{session['loop_lag_p99_ms']} ms (max {session['loop_lag_max_ms']})"
            + ("" if session["trusted"] else f"  UNTRUSTED: {'; '.join(session['reasons'])}")
            + (f"  {session['outcome']}: {session['why']}" if session["why"] else "")
        )


if __name__ == "__main__":
    main()
