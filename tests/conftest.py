"""Shared fixtures: the repository's paths and a way to run the real `crosstalk` command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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


@pytest.fixture
def crosstalk():
    return run_crosstalk
