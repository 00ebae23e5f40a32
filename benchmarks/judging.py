"""How long judging adds to each session: offline checks + sentiment, and the LLM judge's own
overhead (prompt, schema, parsing, evidence checks, cache) against a local instant server.

Run from the repository root: `python benchmarks/judging.py`. A 60-turn call with tool calls
and a database; median of 20 repetitions, one process.
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path

from crosstalk_harness.judging.judge import judge_session
from crosstalk_harness.judging.settings import JudgeSettings
from crosstalk_harness.judging.spec import SuccessConfig
from crosstalk_harness.testing.fake_openai import FakeOpenAI
from crosstalk_harness.testing.judging_sessions import tool_event, write_session

REPEATS = 20
CHECKS = [
    {"must_say": {"pattern": "shipped"}},
    {"must_not_say": {"pattern": "guarantee"}},
    {"tool_called": {"name": "lookup_order", "arguments": {"order_id": "42791"}}},
    {"db_state": {"query": "SELECT count(*) FROM orders", "expect_value": 1}},
    "no_pii_spoken",
    {"max_turns": {"limit": 100}},
    {"caller_sentiment": {"min_mean": -1}},
]
ANSWER = json.dumps(
    {
        "criteria": {
            "request_resolved": {
                "rationale": "done",
                "evidence": [{"turn": 2, "quote": "order 42791 shipped"}],
                "score": "5",
            },
            "outcome_confirmed": {"rationale": "said", "evidence": [], "score": "pass"},
        }
    }
)


def _session(root: Path) -> Path:
    turns = []
    for index in range(30):
        turns.append(
            ("caller", f"Question {index}: is my order 42791 there yet? I am a bit worried.")
        )
        turns.append(("agent", f"Answer {index}: yes, order 42791 shipped and arrives on Friday."))
    return write_session(
        root / "s",
        turns,
        events=[tool_event(t=float(i)) for i in range(10)],
        database={"orders": (["id"], [(42791,)])},
    )


def _median_ms(directory: Path, success: SuccessConfig, settings: JudgeSettings) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        asyncio.run(judge_session(directory, success, settings))
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        directory = _session(root)
        offline = _median_ms(directory, SuccessConfig(checks=CHECKS), JudgeSettings())
        with FakeOpenAI(chat=lambda body: ANSWER) as fake:
            common = {"model": "gpt-4o-mini", "base_url": fake.base_url, "api_key": "x"}
            rubric = SuccessConfig(rubrics=["task_completion"])
            uncached = _median_ms(directory, rubric, JudgeSettings(**common, cache_dir=None))
            cached_dir = root / "cache"
            asyncio.run(
                judge_session(directory, rubric, JudgeSettings(**common, cache_dir=cached_dir))
            )
            cached = _median_ms(directory, rubric, JudgeSettings(**common, cache_dir=cached_dir))
    print(f"machine: {platform.machine()}, Python {platform.python_version()}")
    print(f"60-turn session, 7 checks + sentiment, offline:     {offline:6.1f} ms")
    print(f"one rubric via a local instant server (no cache):   {uncached:6.1f} ms")
    print(f"one rubric answered from the cache:                 {cached:6.1f} ms")


if __name__ == "__main__":
    main()
