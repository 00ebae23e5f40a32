"""Three outcomes on real run directories: a check that fails fails, a rubric with no model is
inconclusive (console, banner, results.json, JUnit, exit code), and `--concurrency 2` judges
exactly as `--concurrency 1` (the worker processes register the built-in checks too)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .conftest import FIXTURES

pytestmark = pytest.mark.e2e

NO_MODEL = str(FIXTURES / "scenarios" / "no_judge_model.yaml")
FAILING = str(FIXTURES / "scenarios" / "failing_check.yaml")
NOT_RUN = "task_completion not run: no model configured"


def _results(run_dir: Path) -> dict:
    return json.loads((run_dir / "results.json").read_text())


def _junit_cases(run_dir: Path) -> dict[str, ET.Element]:
    root = ET.parse(run_dir / "junit.xml").getroot()
    return {case.get("classname", ""): case for case in root.iter("testcase")}


@pytest.mark.slow
@pytest.mark.parametrize("concurrency", ["1", "2"])
def test_a_failing_check_fails_and_a_rubric_without_model_is_inconclusive(
    crosstalk, tmp_path, concurrency
):
    result = crosstalk(
        "run", NO_MODEL, FAILING, "--concurrency", concurrency, "--out", str(tmp_path)
    )
    assert result.exit_code == 1, result.stderr  # something failed: 1, whatever else
    assert f"crosstalk: 0 passed, 1 failed, 1 inconclusive: {NOT_RUN}" in result.stderr
    assert "is registered" not in result.stderr  # every built-in check exists in every worker

    [run_dir] = tmp_path.iterdir()
    results = _results(run_dir)
    assert results["schema"] == "crosstalk.results/3" and results["outcome"] == "failed"
    assert results["counts"] == {
        "sessions": 2, "passed": 0, "failed": 1, "inconclusive": 1, "errors": 0
    }  # fmt: skip
    inconclusive, failed = results["sessions"]
    assert (inconclusive["outcome"], inconclusive["passed"]) == ("inconclusive", False)
    assert [r.split(" (")[0] for r in inconclusive["reasons"]] == [NOT_RUN]
    assert failed["outcome"] == "failed"
    assert [r.split(":")[0] for r in failed["reasons"]] == ["must_say", "must_not_say"]

    cases = _junit_cases(run_dir)
    skipped = cases["crosstalk.no_judge_model"].find("skipped")
    assert skipped is not None and skipped.get("message", "").startswith(f"inconclusive: {NOT_RUN}")
    failure = cases["crosstalk.failing_check"].find("failure")
    assert failure is not None and failure.text == "\n".join(failed["reasons"])  # each once

    run = json.loads((run_dir / "run.json").read_text())
    assert [s["verdict"] for s in run["sessions"]] == ["inconclusive", "failed"]
    assert "must_say:" in (run_dir / "report.html").read_text()


@pytest.mark.slow
def test_a_run_that_could_not_judge_everything_is_inconclusive_never_green(crosstalk, tmp_path):
    result = crosstalk("run", NO_MODEL, "--out", str(tmp_path))
    assert result.exit_code == 4, result.stderr
    assert f"crosstalk: 0 passed, 0 failed, 1 inconclusive: {NOT_RUN}" in result.stderr

    [run_dir] = tmp_path.iterdir()
    results = _results(run_dir)
    assert (results["outcome"], results["passed"]) == ("inconclusive", False)
    page = (run_dir / "report.html").read_text()
    assert 'class="verdict inconclusive"' in page and 'class="verdict passed"' not in page
    assert NOT_RUN in page
    case = _junit_cases(run_dir)["crosstalk.no_judge_model"]
    assert case.find("skipped") is not None and case.find("failure") is None

    # a CI job that knowingly has no judge model accepts it; re-judging says the same
    assert crosstalk("judge", str(run_dir)).exit_code == 4
    assert crosstalk("judge", str(run_dir), "--allow-inconclusive").exit_code == 0


def test_a_run_that_fails_before_its_first_call_says_why_in_run_json(crosstalk, tmp_path):
    scenario = tmp_path / "rejected.yaml"
    scenario.write_text(
        (FIXTURES / "scenarios" / "byo_agent.yaml")
        .read_text()
        .replace("sign_off:", "colour:")
        # a persona is found beside the file that names it: this copy lives in tmp_path
        .replace("persona: short_caller", f"persona: {FIXTURES / 'personas' / 'short_caller.yaml'}")
    )
    result = crosstalk("run", str(scenario), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "the factory rejected them" in result.stderr
    [run_dir] = (tmp_path / "out").iterdir()
    run = json.loads((run_dir / "run.json").read_text())
    assert (run["passed"], run["outcome"]) == (False, "failed")
    assert "the factory rejected them" in run["errors"][0]
