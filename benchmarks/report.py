"""Time to write every report file of a 500-session run. Target: <= 15 s.

Builds a run directory in code (10 scenarios × 5 personas × 10 repeats; each call a 20-second
stereo WAV with 9 turns, probes, a judgement with two criteria, some failures and agent events),
then times `write_run_outputs`: results.json, results.csv, turns.csv, junit.xml and the HTML
report, recordings embedded as Opus up to the default budget (the rest linked).

    python benchmarks/report.py [--sessions 500] [--audio embed|link|none] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from pathlib import Path

from crosstalk_harness.reports.outputs import write_run_outputs
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run

LINES = (
    ("agent", "Thank you for calling, this is Ava. How can I help you today?"),
    ("caller", "Hi, I am calling about an order I placed last week."),
    ("agent", "I can help with that. What is your order number?"),
    ("caller", "Sure, the order number is 42791."),
    ("agent", "Thanks. Order 42791 shipped yesterday and should arrive on Friday."),
    ("caller", "Great. Can I still change the delivery address?"),
    ("agent", "Yes, I can update the delivery address. What is the new address?"),
    ("caller", "Please deliver it to 12 Baker Street. Thank you, goodbye."),
    ("agent", "Done. Thanks for calling. Goodbye!"),
)


def build(root: Path, sessions: int) -> Path:
    specs = []
    for index in range(sessions):
        scenario, persona, repeat = index // 50, (index // 10) % 5, index % 10
        slow = index % 17 == 0
        specs.append(
            FakeSession(
                scenario=f"scenario_{scenario:02d}",
                persona=f"persona_{persona}",
                repeat=repeat,
                repeats=10,
                tags=["smoke"] if scenario < 3 else ["billing"],
                lines=LINES,
                turn_s=1.6,
                latencies_ms=[
                    700 + 37 * ((index + k) % 11) + (2500 if slow else 0) for k in range(4)
                ],
                failures=["response_latency_p95_ms exceeds its budget"] if slow else [],
                judgement=judgement(passed=index % 23 != 0, score=0.5 + 0.05 * (index % 10)),
                agent_events=[
                    {"t": 3.0, "type": "tool_call", "data": {"name": "lookup_order"}},
                    {"t": 9.0, "type": "guardrail", "data": {"action": "pass", "rule": "pii"}},
                ],
            )
        )
    return write_run(root, specs, run_id="benchmark-run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=500)
    parser.add_argument("--audio", choices=["embed", "link", "none"], default="embed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        directory = build(Path(folder), args.sessions)
        built = time.perf_counter() - started
        started = time.perf_counter()
        outputs = write_run_outputs(directory, audio=args.audio)
        elapsed = time.perf_counter() - started
        size = (directory / "report.html").stat().st_size
    figures = {
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "sessions": args.sessions,
        "audio": args.audio,
        "seconds": round(elapsed, 2),
        "report_mb": round(size / 1e6, 1),
        "passed": outputs.results["counts"]["passed"],
        "build_s": round(built, 1),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{args.sessions} sessions, audio {args.audio}: {elapsed:.1f} s for every report "
            f"file; report.html {size / 1e6:.1f} MB (building the run took {built:.1f} s)"
        )


if __name__ == "__main__":
    main()
