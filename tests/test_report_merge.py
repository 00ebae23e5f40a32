"""Shards of one suite, merged: the same report as a single machine's run of the whole suite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from crosstalk_harness.runner.shard import Shard, select_shard
from crosstalk_harness.testing.run_dirs import FakeSession, write_run

from .conftest import run_crosstalk

SUITE = [
    FakeSession(scenario="orders", latencies_ms=[700, 900]),
    FakeSession(scenario="returns", latencies_ms=[1200, 800], failures=["too slow"]),
    FakeSession(scenario="hours", latencies_ms=[600]),
    FakeSession(scenario="orders", variant="phone", latencies_ms=[1500, 1100]),
    FakeSession(scenario="returns", variant="phone", latencies_ms=[900]),
]


def _shard_runs(single: Path, root: Path, count: int) -> list[Path]:
    """Split a whole run the way `run --shard I/N` would have: sessions keep their numbers."""
    run = json.loads((single / "run.json").read_text())
    shards = []
    for index in range(1, count + 1):
        directory = root / f"shard-{index}"
        directory.mkdir()
        picked = [entry for _, entry in select_shard(run["sessions"], Shard(index, count))]
        for entry in picked:
            shutil.copytree(single / entry["session_id"], directory / entry["session_id"])
        document = {
            **run,
            "run_id": f"shard-{index}",
            "sessions": picked,
            "passed": all(entry["outcome"] == "completed" for entry in picked),
            "shard": {"index": index, "count": count},
        }
        (directory / "run.json").write_text(json.dumps(document))
        shards.append(directory)
    return shards


def _comparable(run_dir: Path) -> dict:
    results = json.loads((run_dir / "results.json").read_text())
    for key in ("run_id", "generated_at"):
        results.pop(key)
    return results


def test_merged_shards_report_like_a_single_run(tmp_path):
    single = write_run(tmp_path / "single", SUITE)
    shards = _shard_runs(single, tmp_path, 2)
    assert sorted(p.name for s in shards for p in s.iterdir() if p.is_dir()) == sorted(
        p.name for p in single.iterdir() if p.is_dir()
    )
    merged = tmp_path / "merged"
    result = run_crosstalk(
        "report", "--merge-into", str(merged), *map(str, shards), "--audio", "none"
    )
    # one session failed ("too slow"): the merged run fails as the single run does
    assert result.exit_code == 1, result.stderr
    assert run_crosstalk("report", str(single), "--audio", "none").exit_code == 1
    assert _comparable(merged) == _comparable(single)
    assert (merged / "report.html").stat().st_size > 0
    run = json.loads((merged / "run.json").read_text())
    assert [entry["shard"] for entry in run["merged_from"]] == [
        {"index": 1, "count": 2},
        {"index": 2, "count": 2},
    ]


def test_merging_the_same_run_twice_is_refused(tmp_path):
    single = write_run(tmp_path / "single", SUITE[:2])
    result = run_crosstalk("report", "--merge-into", str(tmp_path / "m"), str(single), str(single))
    assert result.exit_code == 2
    assert "is also in another run" in result.stderr


def _split(single: Path, root: Path, shares: list[list[str]], errors: dict[str, str]) -> list[Path]:
    """Shards holding the given session folders, each with the run.json a shard would write: an
    errored session is only in `errors`, a cancelled shard lists its queued sessions as not run."""
    shards = []
    for index, share in enumerate(shares, start=1):
        directory = root / f"shard-{index}"
        directory.mkdir()
        entries = []
        for session_id in share:
            shutil.copytree(single / session_id, directory / session_id)
            if session_id not in errors:
                entries.append({"session_id": session_id, "outcome": "x"})
        (directory / "crosstalk.log").write_text(f"log of shard {index}\n")
        document = {
            "schema": "crosstalk.run/1",
            "run_id": f"shard-{index}",
            "passed": False,
            "sessions": entries,
            "errors": [errors[s] for s in share if s in errors],
            "cancelled": index == 2,
            "not_run": ["05-hours"] if index == 2 else [],
            "shard": {"index": index, "count": len(shares)},
        }
        (directory / "run.json").write_text(json.dumps(document))
        shards.append(directory)
    return shards


def test_merged_shards_with_an_errored_and_a_cancelled_session_equal_the_single_run(tmp_path):
    suite = [
        FakeSession(scenario="orders"),
        FakeSession(scenario="returns", status="error"),
        FakeSession(scenario="orders", variant="phone", status="cancelled"),
        FakeSession(scenario="returns", variant="phone"),
    ]
    single = write_run(tmp_path / "single", suite, cancelled=True)
    error = "session 02-returns failed: RuntimeError: boom"
    run = json.loads((single / "run.json").read_text())
    run["sessions"] = [e for e in run["sessions"] if e["session_id"] != "02-returns"]
    run.update(errors=[error], not_run=["05-hours"], passed=False)
    (single / "run.json").write_text(json.dumps(run))
    shares = [["01-orders", "02-returns"], ["03-orders-phone", "04-returns-phone"]]
    shards = _split(single, tmp_path, shares, {"02-returns": error})

    merged = tmp_path / "merged"
    result = run_crosstalk(
        "report", "--merge-into", str(merged), *map(str, shards), "--audio", "none"
    )
    assert result.exit_code != 2, result.stderr
    assert run_crosstalk("report", str(single), "--audio", "none").exit_code == result.exit_code
    assert _comparable(merged) == _comparable(single)
    assert _comparable(merged)["counts"]["sessions"] == 4, "the errored session is not dropped"
    merged_run = json.loads((merged / "run.json").read_text())
    assert merged_run["errors"] == [error] and merged_run["cancelled"] is True
    assert merged_run["not_run"] == ["05-hours"]
    assert (merged / "02-returns" / "session.json").is_file()
    for index in (1, 2):
        log = merged / "shards" / f"shard-{index}" / "crosstalk.log"
        assert log.read_text() == f"log of shard {index}\n"
