"""Every registered budget and check, fed no evidence at all, concludes what
docs/results-schema.md's table ("When the evidence is absent") says it does."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from crosstalk_harness.judging.budgets import BUDGET_FIGURES, check_budgets
from crosstalk_harness.judging.check_names import builtin_checks
from crosstalk_harness.judging.session_data import SessionData
from crosstalk_harness.probes.timing import measure

from .conftest import REPO

_ROW = re.compile(
    r"^\| `(?P<name>\w+)` \| `(?P<args>[^`]*)` \| (?P<why>[^|]+) \| (?P<outcome>[^|]+) \|$"
)


def _documented() -> dict[str, tuple[str, str]]:
    text = (REPO / "docs" / "results-schema.md").read_text()
    section = text.split("## When the evidence is absent", 1)[1].split("\n## ", 1)[0]
    rows = [_ROW.match(line) for line in section.splitlines()]
    return {m["name"]: (m["args"], m["outcome"].strip()) for m in rows if m}


DOCUMENTED = _documented()
NO_SPEECH = measure([], [], 0.0).summary


def test_the_table_lists_every_registered_budget_and_check_once():
    assert set(DOCUMENTED) == set(BUDGET_FIGURES) | set(builtin_checks())


@pytest.mark.parametrize("budget", sorted(BUDGET_FIGURES))
def test_a_budget_without_evidence_concludes_what_the_doc_says(budget):
    limit, documented = DOCUMENTED[budget]
    [check] = check_budgets({budget: float(limit)}, NO_SPEECH)
    outcome = {True: "passed", False: "failed", None: "not judged"}[check.passed]
    assert outcome == documented, check.reason()


@pytest.mark.parametrize("name", sorted(builtin_checks()))
def test_a_check_without_evidence_concludes_what_the_doc_says(name, tmp_path: Path):
    arguments, documented = DOCUMENTED[name]
    definition = builtin_checks()[name]
    verdict = definition.run(
        SessionData(directory=tmp_path, turns=()),
        definition.arguments.model_validate(json.loads(arguments)),
    )
    outcome = {"passed": "passed", "failed": "failed"}.get(verdict.status, "not judged")
    assert outcome == documented, verdict.reason
