"""A Ctrl-C or SIGTERM that lands while a session is closing (here: judging, made slow by a
check that sleeps) does not skip the final write: session.json ends final, run.json and the
report are complete. The signal is sent once events.jsonl says the call ended, so it lands in
the close, not in the call."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from crosstalk_harness.rundir.layout import RunPaths, SessionPaths
from crosstalk_harness.runner.session import finish_despite_cancel

from .conftest import REPO

SLOW_CHECK_S = 4.0

SCENARIO = """\
name: closing
persona: one_liner.yaml
agent:
  factory: tests.fixtures.tiny_agent:create_agent
max_duration_s: 15
success:
  checks:
    - slow_judge:slow_check: {}
"""
PERSONA = (REPO / "tests" / "fixtures" / "personas" / "one_liner.yaml").read_text()
SLOW_JUDGE = f"""\
import time

from crosstalk_harness.judging.registry import CheckOutcome, check


@check("slow_check")
def slow_check(session, args):
    \"\"\"Takes its time, as an LLM rubric does.\"\"\"
    time.sleep({SLOW_CHECK_S})
    return CheckOutcome(True, "judged slowly")
"""


async def test_a_close_cancelled_half_way_finishes_and_then_the_cancellation_goes_on():
    steps: list[str] = []

    async def close() -> str:
        steps.append("closing")
        await asyncio.sleep(0.2)
        steps.append("written")
        return "final"

    async def session() -> str:
        try:
            await asyncio.sleep(0)
        finally:
            return_value = await finish_despite_cancel(close())
        return return_value

    task = asyncio.create_task(session())
    await asyncio.sleep(0.05)  # inside close()
    task.cancel()
    await asyncio.sleep(0.05)
    task.cancel()  # twice: still finished
    with pytest.raises(asyncio.CancelledError):
        await task
    assert steps == ["closing", "written"]


async def test_a_close_not_cancelled_returns_its_result():
    async def close() -> str:
        await asyncio.sleep(0)
        return "final"

    assert await finish_despite_cancel(close()) == "final"


def _call_ended(run_root: Path) -> bool:
    for events in run_root.glob("*/*/events.jsonl"):
        if '"call_ended"' in events.read_text(encoding="utf-8"):
            return True
    return False


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("stop", "exit_code"),
    [(signal.SIGTERM, 143), pytest.param(signal.SIGINT, 130, marks=pytest.mark.slow)],
)
def test_a_signal_while_the_session_is_closing_leaves_every_file_final(tmp_path, stop, exit_code):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "closing.yaml").write_text(SCENARIO)
    (scenarios / "one_liner.yaml").write_text(PERSONA)
    (scenarios / "slow_judge.py").write_text(SLOW_JUDGE)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "crosstalk_harness", "run", str(scenarios / "closing.yaml")]
        + ["--out", str(out), "-q"],
        cwd=REPO,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _call_ended(out) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.poll() is None, "the run ended before its session closed"
    closing_since = time.monotonic()
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == exit_code, stderr
    assert "Traceback" not in stderr
    assert time.monotonic() - closing_since < SLOW_CHECK_S + 10

    [run_dir] = out.iterdir()
    [session_dir] = [path for path in run_dir.iterdir() if path.is_dir()]
    session = json.loads(SessionPaths(session_dir).session.read_text())
    assert session["status"] == "completed"  # final: the call had ended when the signal came
    assert session["result"]["outcome"] == "completed"
    judgement = json.loads(SessionPaths(session_dir).judgement.read_text())
    assert [v["reason"] for v in judgement["verdicts"] if v["kind"] == "check"] == ["judged slowly"]
    run = json.loads(RunPaths(run_dir).run.read_text())
    assert run["cancelled"] is True
    assert [s["outcome"] for s in run["sessions"]] == ["completed"]
    report = RunPaths(run_dir).report.read_text()
    assert report.rstrip().endswith("</html>") and "closing" in report
    leftovers = [p.name for p in run_dir.rglob(".*.tmp")]
    assert leftovers == []  # every rewrite went through a temporary file and was renamed
