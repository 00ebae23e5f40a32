"""The files `crosstalk init` writes to start crosstalk in a user's repository, beside their agent.

Writes a first persona and a first scenario calling the user's agent factory, a smoke suite, a
pytest test using the `crosstalk_run` fixture, a GitHub Actions workflow, and a `reports/` line in
`.gitignore`. Existing files are never overwritten; each one is reported as kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from .. import __version__
from ..errors import ConfigError
from .authoring import new_file

FACTORY = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")

SUITE = """\
# The calls CI places on every push (offline: no API key, no server). Run it with
#   crosstalk run scenarios/suites/smoke.yaml
suite: smoke
description: "First calls to the agent under test, offline."
scenarios: ["../*.yaml"]      # every scenario in scenarios/, relative to this file
tags: [smoke]
concurrency: 1
"""

PYTEST_TEST = '''\
"""crosstalk's calls as a pytest test: the `crosstalk_run` fixture comes with crosstalk."""

from pathlib import Path

SUITE = Path(__file__).resolve().parents[1] / "scenarios" / "suites" / "smoke.yaml"


def test_smoke_calls_pass(crosstalk_run):
    run = crosstalk_run(SUITE)
    assert run.passed, "\\n".join(run.reasons())
'''

WORKFLOW = """\
# crosstalk in GitHub Actions: the smoke suite on every push, offline (no API key, no server).
# Written by `crosstalk init`. Every run uploads its run directory (the HTML report, results,
# JUnit XML, recordings) as the crosstalk-report artifact, even when a call failed; the last
# step fails the job on crosstalk's exit code (0 passed; 1 a call failed; 2 bad input;
# 3 infrastructure; 4 inconclusive, e.g. a rubric with no judge model; see `crosstalk --help`).
name: crosstalk

on:
  push:
  pull_request:

permissions:
  contents: read

jobs:
  calls:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - uses: actions/checkout@v4

      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: .github/workflows/crosstalk.yml

      - name: Install your agent's project and crosstalk (the offline models come with it)
        run: |
          python -m pip install --upgrade pip
          if [ -f requirements.txt ]; then pip install -r requirements.txt; fi
          if [ -f pyproject.toml ] || [ -f setup.py ]; then pip install -e .; fi
          pip install {install}

      - name: Run the smoke suite
        id: crosstalk
        run: |
          set +e
          # rubrics need a judge model (CROSSTALK_JUDGE_MODEL and an OPENAI_API_KEY secret);
          # without one, add --allow-inconclusive to pass on the deterministic checks alone
          crosstalk run scenarios/suites/smoke.yaml --out reports
          echo "exit_code=$?" >> "$GITHUB_OUTPUT"

      - name: Upload the report
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: crosstalk-report
          path: reports/
          if-no-files-found: warn

      - name: Fail the job if crosstalk did
        run: exit ${{{{ steps.crosstalk.outputs.exit_code }}}}
"""


def install_spec() -> str:
    """What the workflow installs: this very version of crosstalk, from the package index."""
    return f'"crosstalk-voice=={__version__}"'


def check_factory(factory: str) -> str:
    """`factory` if it reads as `package.module:function`, else a ConfigError saying so."""
    if not FACTORY.match(factory):
        raise ConfigError(
            f"--agent {factory!r}: not an import path",
            hint="give `package.module:function`, e.g. my_agent.main:create_agent",
        )
    return factory


def _write(path: Path, text: str, written: list[str]) -> None:
    if path.exists():
        written.append(f"kept {path} (exists)")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    written.append(f"wrote {path}")


def _ignore_reports(root: Path, written: list[str]) -> None:
    path = root / ".gitignore"
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if any(line.strip().strip("/") == "reports" for line in lines):
        written.append(f"kept {path} (reports/ already ignored)")
        return
    text = "\n".join([*lines, "# crosstalk run directories", "reports/"]) + "\n"
    path.write_text(text, encoding="utf-8")
    written.append(f"wrote {path} (reports/ ignored)")


def scaffold(root: Path, factory: str) -> list[str]:
    """Write the starting files under `root`; one line per file saying what happened."""
    written: list[str] = []
    persona = root / "personas" / "first_caller.yaml"
    if persona.exists():
        written.append(f"kept {persona} (exists)")
    else:
        written.append(f"wrote {new_file('persona', 'first_caller', root)}")
    scenario = root / "scenarios" / "first_call.yaml"
    if scenario.exists():
        written.append(f"kept {scenario} (exists)")
    else:
        made = new_file("scenario", "first_call", root, persona="first_caller", factory=factory)
        written.append(f"wrote {made}")
    _write(root / "scenarios" / "suites" / "smoke.yaml", SUITE, written)
    _write(root / "tests" / "test_crosstalk.py", PYTEST_TEST, written)
    workflow = WORKFLOW.format(install=install_spec())
    _write(root / ".github" / "workflows" / "crosstalk.yml", workflow, written)
    _ignore_reports(root, written)
    return written
