"""Shards of one suite, merged: the same report as a single machine's run of the whole suite."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from crosstalk_harness.runner.shard import Shard, select_shard

from .conftest import run_crosstalk
from .run_dirs import FakeSession, write_run

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
    assert result.exit_code == 0, result.stderr
    assert run_crosstalk("report", str(single), "--audio", "none").exit_code == 0
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
