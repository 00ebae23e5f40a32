"""`crosstalk sweep` on real offline calls (slow tier: about ten calls of ~30 s): the noisy order
call swept over caller->agent SNR finds its margin within the resolution, a second sweep (a
suite with a `margins:` requirement the agent misses) agrees within one step and fails the
run, and a sweep from the first one's margins as a baseline takes a few calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from crosstalk_harness.errors import EXIT_FAILED

from .calls import FIXTURES, run_crosstalk

pytestmark = pytest.mark.slow

NOISY = FIXTURES / "scenarios" / "sweep_noise.yaml"
SUITE = FIXTURES / "suites" / "sweep_margin.yaml"
VARY = ["--vary", "caller_to_agent.snr_db=10..-10", "--resolution", "5"]  # the suite's range


def _sweep(*args: str, out: Path):
    result = run_crosstalk("sweep", *args, "--json", "--out", str(out))
    assert "Traceback" not in result.stderr, result.stderr
    return result, result.json()


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    return _sweep(str(NOISY), *VARY, out=tmp_path_factory.mktemp("cold"))


def test_an_snr_sweep_finds_the_margin_within_its_resolution(cold):
    result, document = cold
    assert result.exit_code == 0, result.stderr
    (sweep,) = document["sweeps"]
    margin = sweep["margin"]
    assert margin["status"] == "found"
    assert margin["pass_value"] > margin["fail_value"]  # quieter passes, noisier fails
    assert abs(margin["pass_value"] - margin["fail_value"]) <= 5
    assert margin["calls"] <= 2 + 2  # both ends, then log2(4 steps) midpoints
    assert any("task_completion" in item for item in sweep["left_out"])
    calls = [call for point in sweep["points"] for call in point["calls"]]
    assert len(calls) == margin["calls"]
    assert all(Path(call["session_dir"]).is_dir() for call in calls)  # every call kept
    assert {call["outcome"] for call in calls} >= {"passed", "failed"}
    assert (Path(document["directory"]) / "sweep.html").is_file()


def test_a_missed_margin_fails_the_run_and_a_second_sweep_agrees(cold, tmp_path):
    result, document = _sweep(str(SUITE), out=tmp_path)
    assert result.exit_code == EXIT_FAILED, result.stderr
    (sweep,) = document["sweeps"]
    assert sweep["outcome"] == "failed"
    assert "required passing at -8 dB or below" in " ".join(sweep["reasons"])
    first, second = cold[1]["sweeps"][0]["margin"], sweep["margin"]
    assert abs(first["pass_value"] - second["pass_value"]) <= 5  # one resolution step


def test_a_sweep_from_a_baseline_starts_at_its_margin(cold, tmp_path):
    baseline = cold[1]["directory"]
    result, document = _sweep(str(NOISY), *VARY, "--baseline", baseline, out=tmp_path)
    (sweep,) = document["sweeps"]
    assert sweep["margin"]["calls"] <= 4
    before = cold[1]["sweeps"][0]["margin"]
    calls = sorted((c for p in sweep["points"] for c in p["calls"]), key=lambda c: c["number"])
    assert calls[0]["value"] == before["pass_value"]  # it starts where the cliff was
    # the previous failing value next if that still passed, else a step toward the passing end
    assert calls[1]["value"] in (before["fail_value"], before["pass_value"] + 5)
    assert abs(sweep["margin"]["pass_value"] - before["pass_value"]) <= 5
    assert result.exit_code == 0, result.stderr  # within the tolerance: no regression
