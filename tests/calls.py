"""Placing real calls from the tests: the `crosstalk` command in a child process, and the shared
calls that several test modules read (each placed once per pytest session, see conftest.py).

The every-commit tier shares short purpose-built calls; the demo call (about a minute of audio)
is shared by the slow tier only (`pytest.mark.slow`, `make test-slow`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"

# The shared calls with the reference agent, by fixture name: the scenario and its persona
QUICK_ORDER = FIXTURES / "scenarios" / "quick_order.yaml"
DEMO = REPO / "scenarios" / "demo_order_status.yaml"
PERSONAS = {QUICK_ORDER: "quick_order_caller", DEMO: "order_status_caller"}


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_crosstalk(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> CliResult:
    """Run `python -m crosstalk_harness ARGS` as a user would, in a child process."""
    child_env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    child_env.update(env or {})
    completed = subprocess.run(
        [sys.executable, "-m", "crosstalk_harness", *args],
        cwd=cwd,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return CliResult(completed.returncode, completed.stdout, completed.stderr)


def run_pytest_plugin(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run pytest with crosstalk's plugin (`--crosstalk ...`) in a child process."""
    plugins = entry_points(group="pytest11")
    registered = any(e.value == "crosstalk_harness.pytest_plugin" for e in plugins)
    plugin = [] if registered else ["-p", "crosstalk_harness.pytest_plugin"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "pytest", *plugin, "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@dataclass(frozen=True)
class PlacedCall:
    """One `crosstalk run` of one scenario: what the command printed and what it left on disk."""

    result: CliResult
    run: dict  # run.json, the same document `--json` prints
    run_dir: Path
    session_dir: Path


def fast_baseline(path: Path, scenario: Path) -> Path:
    """A results.json of the same scenario whose replies all came after 0.1 s (faster than any
    agent that waits for the caller to stop: a real run regresses against it)."""
    session = {
        "scenario": scenario.stem,
        "variant": "",
        "persona": PERSONAS[scenario],
        "passed": True,
        "score": None,
        "response_latencies_ms": [100.0, 101.0, 99.0, 100.5, 99.5],
        "stop_latencies_ms": [],
    }
    document = {
        "schema": "crosstalk.results/1",
        "run_id": "fast-baseline",
        "sessions": [{**session, "repeat": r} for r in range(3)],
    }
    path.write_text(json.dumps(document))
    return path


def place_with_baseline(scenario: Path, out: Path) -> PlacedCall:
    """Place the call with a baseline it regresses against: its run exits 1 and writes every
    report file, and the tests that read only the session read the same run directory."""
    baseline = fast_baseline(out / "baseline.json", scenario)
    result = run_crosstalk("run", str(scenario), "--out", str(out), "--baseline", str(baseline))
    [run_dir] = [p for p in out.iterdir() if p.is_dir()]
    run = json.loads((run_dir / "run.json").read_text())
    [session] = run["sessions"]
    return PlacedCall(result, run, run_dir, Path(session["directory"]))


def place_trusted(scenario: Path, out: Path) -> tuple[CliResult, dict]:
    """`crosstalk run SCENARIO --json` for a test that reads a real call's timing: placed again,
    once, when the harness found its own timing untrustworthy (the machine too busy: a
    measurement the run itself calls invalid, not a verdict); still untrusted, the test fails."""
    for attempt in (1, 2):
        folder = out / f"attempt-{attempt}"
        result = run_crosstalk("run", str(scenario), "--out", str(folder), "--json", "-q")
        assert result.exit_code in (0, 1, 4), result.stderr  # 4: untrusted timing, asserted below
        [session] = result.json()["sessions"]
        if session["timing_trust"]["trusted"]:
            break
    assert session["timing_trust"]["trusted"], (
        f"placed twice, the machine was too busy both times: {session['timing_trust']['reasons']}"
    )
    return result, session
