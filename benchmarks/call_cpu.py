"""CPU of one call, by phase and by kind of thread: what a `crosstalk run` of one scenario costs
the machine before its call (imports, model loading, warm-up), during it (the live phase, the
only one whose timing decides trust) and after it (session close, probes, hearing analysis,
judging, reports).

Each run is a fresh interpreter running `crosstalk run SCENARIO` in-process (concurrency 1, so no
worker process) with a sampler thread reading `/proc/self/task/*/stat` every 0.2 s; the phase
marks are the in-process transport's `start` (the clock starts) and `stop` (both sides closed),
sampled on the spot. Threads are grouped by kind: the main thread (the event loop), Python
threads by name (executors, the metronome), and native threads by scheduling class (Whisper's
CTranslate2 pool runs SCHED_IDLE; the others are onnxruntime's: Silero and Piper). CPU of a
thread that ended between two samples is missed; the process total (`/proc/self/stat`) is shown
beside the sum.

    python benchmarks/call_cpu.py [--scenario PATH] [--runs 2] [--json]

It places real-time calls: run it under the machine's call lock.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = REPO / "scenarios" / "demo_order_status.yaml"
PHASES = ("set-up", "live", "post-call")
_TICK_S = os.sysconf("SC_CLK_TCK")
_SCHED_IDLE = 5


def _task_stat(path: str) -> tuple[float, int] | None:
    """A thread's CPU seconds (user + system) and scheduling policy, or None if it ended."""
    try:
        with open(path) as stat:
            text = stat.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # after the command name, field 3 onwards
    return (int(fields[11]) + int(fields[12])) / _TICK_S, int(fields[38])


def _process_cpu_s() -> float:
    with open("/proc/self/stat") as stat:
        text = stat.read()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK_S


class Sampler:
    """Thread CPU deltas charged to (phase, kind of thread)."""

    def __init__(self) -> None:
        self.phase = PHASES[0]
        self.cpu: dict[tuple[str, str], float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.process: dict[str, float] = defaultdict(float)
        self._last: dict[int, float] = {}
        self._kinds: dict[int, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._phase_started = time.monotonic()
        self._phase_process = _process_cpu_s()
        self._thread = threading.Thread(target=self._run, name="call-cpu-sampler", daemon=True)

    def _kind(self, tid: int, policy: int) -> str:
        names = {t.native_id: t.name for t in threading.enumerate()}
        if tid == threading.main_thread().native_id:
            return "event loop (main thread)"
        if tid in names:
            return "python: " + re.sub(r"[_-]?\d+(_\d+)?$", "", names[tid])
        return "native, SCHED_IDLE (Whisper)" if policy == _SCHED_IDLE else "native, normal"

    def sample(self) -> None:
        with self._lock:
            for tid_text in os.listdir("/proc/self/task"):
                tid = int(tid_text)
                stat = _task_stat(f"/proc/self/task/{tid}/stat")
                if stat is None:
                    continue
                cpu_s, policy = stat
                if tid not in self._kinds:
                    self._kinds[tid] = self._kind(tid, policy)
                self.cpu[(self.phase, self._kinds[tid])] += cpu_s - self._last.get(tid, 0.0)
                self._last[tid] = cpu_s

    def mark(self, phase: str) -> None:
        """Charge everything so far to the current phase, then start `phase`."""
        self.sample()
        now, process = time.monotonic(), _process_cpu_s()
        self.wall[self.phase] += now - self._phase_started
        self.process[self.phase] += process - self._phase_process
        self.phase, self._phase_started, self._phase_process = phase, now, process

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            self.sample()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.mark("done")


def _child(scenario: str, out: str) -> None:
    """One measured `crosstalk run` in this interpreter; prints the figures as JSON."""
    sampler = Sampler()
    sampler.start()
    from crosstalk_harness.cli import main
    from crosstalk_harness.transport.inprocess import InProcessTransport

    start, stop = InProcessTransport.start, InProcessTransport.stop

    async def marked_start(self, recording_path):  # type: ignore[no-untyped-def]
        sampler.mark("live")
        await start(self, recording_path)

    async def marked_stop(self):  # type: ignore[no-untyped-def]
        await stop(self)
        sampler.mark("post-call")

    InProcessTransport.start, InProcessTransport.stop = marked_start, marked_stop  # type: ignore[method-assign]
    code = main(["run", scenario, "--out", out, "--json", "--quiet"])
    sampler.stop()
    figures = {
        "exit": code,
        "cpu": [[phase, kind, round(s, 2)] for (phase, kind), s in sorted(sampler.cpu.items())],
        "wall": {phase: round(s, 2) for phase, s in sampler.wall.items()},
        "process": {phase: round(s, 2) for phase, s in sampler.process.items()},
    }
    print("CALL-CPU " + json.dumps(figures), file=sys.__stdout__, flush=True)


def _measure(scenario: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="call-cpu-") as out:
        load = os.getloadavg()[0]
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(scenario), "--out", out],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=False,
        )
    lines = [line for line in done.stdout.splitlines() if line.startswith("CALL-CPU ")]
    if not lines:
        raise SystemExit(f"the measured run printed no figures:\n{done.stderr[-3000:]}")
    figures = json.loads(lines[-1].removeprefix("CALL-CPU "))
    figures["load_before"] = round(load, 2)
    return figures


def _print(run: int, figures: dict) -> None:
    by_kind: dict[str, dict[str, float]] = defaultdict(dict)
    for phase, kind, seconds in figures["cpu"]:
        by_kind[kind][phase] = seconds
    print(f"run {run}: exit {figures['exit']}, load before {figures['load_before']}")
    print(f"  {'thread kind':38}" + "".join(f"{p:>11}" for p in PHASES))
    for kind, phases in sorted(by_kind.items(), key=lambda item: -sum(item[1].values())):
        print(f"  {kind:38}" + "".join(f"{phases.get(p, 0.0):11.2f}" for p in PHASES))
    sums = {p: sum(s for ph, _, s in figures["cpu"] if ph == p) for p in PHASES}
    print(f"  {'sum of threads':38}" + "".join(f"{sums[p]:11.2f}" for p in PHASES))
    for label, key in (("process total", "process"), ("wall", "wall")):
        print(f"  {label:38}" + "".join(f"{figures[key].get(p, 0):11.2f}" for p in PHASES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", type=Path, default=DEFAULT_SCENARIO)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        _child(options.child, options.out)
        return
    if not options.scenario.is_file():
        print(f"call_cpu: no scenario at {options.scenario}", file=sys.stderr)
        raise SystemExit(2)
    results = [_measure(options.scenario) for _ in range(options.runs)]
    if options.json:
        print(json.dumps(results, indent=2))
        return
    for run, figures in enumerate(results, 1):
        _print(run, figures)


if __name__ == "__main__":
    main()
