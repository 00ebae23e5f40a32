"""Memory across sequential sessions in one process: does each finished call stay alive?

Places the same short call N times, one after another, in this process (real sessions, real
offline models), and after each one collects garbage and prints the process's resident memory
(VmRSS) and the number of objects the garbage collector tracks (frozen ones included: an object
alive at a `gc.freeze()` is never collected). A call's objects (transport,
event log, audio buffers, noise loops, both AgentSessions) must be freed once it has finished,
so both figures should be flat after the first session (which loads and freezes the models).
Target: under 100 tracked objects per session from session 2 on (a retained call is ~800). RSS is
printed too, but over a few sessions it moves by tens of MB either way with the allocator and
the models' buffers, so it shows a leak only over long runs.

    python benchmarks/memory.py [--sessions 6] [--scenario PATH] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import tempfile
from pathlib import Path

from crosstalk_harness.config import load_scenario
from crosstalk_harness.errors import CrosstalkError
from crosstalk_harness.runner import SessionRun

REPO = Path(__file__).resolve().parent.parent
SHORT_CALL = REPO / "tests" / "fixtures" / "scenarios" / "over_budget.yaml"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _sessions(scenario: Path, count: int, out: Path) -> list[dict[str, float]]:
    loaded = load_scenario(scenario)
    rows = []
    for index in range(1, count + 1):
        try:
            await SessionRun(loaded, f"{index:02d}", out / f"{index:02d}").run()
        except CrosstalkError as exc:  # a failed call still counts: its objects must go too
            print(f"session {index}: {exc.message}")
        gc.collect()
        objects = len(gc.get_objects()) + gc.get_freeze_count()
        rows.append({"session": index, "rss_mb": round(_rss_mb(), 1), "objects": objects})
        print(f"after session {index}: RSS {rows[-1]['rss_mb']} MB, {rows[-1]['objects']} objects")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument(
        "--scenario",
        type=Path,
        default=SHORT_CALL,
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.chdir(REPO)  # the fixture agents are imported from the repository root
    with tempfile.TemporaryDirectory() as scratch:
        rows = asyncio.run(_sessions(args.scenario, args.sessions, Path(scratch)))
    later = rows[1:]
    steps = max(1, len(later) - 1)
    growth = {
        "rss_mb_per_session": round((later[-1]["rss_mb"] - later[0]["rss_mb"]) / steps, 2),
        "objects_per_session": round((later[-1]["objects"] - later[0]["objects"]) / steps),
    }
    summary = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "rows": rows, **growth}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"growth from session 2 to {len(rows)}: {growth['rss_mb_per_session']} MB and "
            f"{growth['objects_per_session']} objects per session"
        )


if __name__ == "__main__":
    main()
