"""`--shard I/N`: deterministic, disjoint slices that together cover the suite."""

from __future__ import annotations

import json

import pytest
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.runner.shard import Shard, parse_shard, select_shard

from .conftest import FIXTURES


@pytest.mark.parametrize("sessions,count", [(0, 1), (1, 3), (7, 3), (10, 4), (32, 8), (5, 5)])
def test_shards_are_disjoint_cover_the_suite_and_balance(sessions, count):
    suite = [f"scenario-{n}" for n in range(sessions)]
    slices = [select_shard(suite, Shard(index, count)) for index in range(1, count + 1)]
    positions = [position for part in slices for position, _ in part]
    assert sorted(positions) == list(range(1, sessions + 1))  # every session exactly once
    assert all(suite[position - 1] == item for part in slices for position, item in part)
    sizes = [len(part) for part in slices]
    assert max(sizes) - min(sizes) <= 1


def test_selection_is_round_robin_and_keeps_suite_positions():
    suite = ["a", "b", "c", "d", "e"]
    assert select_shard(suite, Shard(2, 2)) == [(2, "b"), (4, "d")]
    assert select_shard(suite, None) == list(enumerate(suite, start=1))
    assert select_shard(suite, Shard(2, 2)) == select_shard(list(suite), Shard(2, 2))


@pytest.mark.parametrize("text", ["3/2", "0/2", "1/0", "x", "1-2", "-1/2", ""])
def test_bad_shards_are_config_errors(text):
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)


def test_shard_parses_with_spaces():
    assert parse_shard(" 2 / 4 ") == Shard(2, 4)


def test_cli_rejects_an_impossible_shard(crosstalk, tmp_path):
    result = crosstalk(
        "run",
        str(FIXTURES / "scenarios" / "byo_agent.yaml"),
        "--shard",
        "3/2",
        "--out",
        str(tmp_path),
    )
    assert result.exit_code == 2, result.stderr
    assert "--shard 3/2" in result.stderr and "Traceback" not in result.stderr
    assert not any(tmp_path.iterdir())


def test_an_empty_shard_records_its_slice_in_run_json(crosstalk, tmp_path):
    """One scenario split in two: shard 2/2 places no call, and says which slice it was."""
    result = crosstalk(
        "run",
        str(FIXTURES / "scenarios" / "byo_agent.yaml"),
        "--shard",
        "2/2",
        "--out",
        str(tmp_path),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    run = result.json()
    assert run["shard"] == {"index": 2, "count": 2} and run["sessions"] == []
    on_disk = json.loads((tmp_path / run["run_id"] / "run.json").read_text())
    assert on_disk["shard"] == {"index": 2, "count": 2}
    results = json.loads((tmp_path / run["run_id"] / "results.json").read_text())
    assert results["shard"] == {"index": 2, "count": 2}


def test_progress_counts_the_shards_own_sessions():
    import io

    from crosstalk_harness.runner import Progress

    stream = io.StringIO()
    progress = Progress(stream)
    progress.run_started("reports/x", 2)
    for index in (3, 9):  # suite positions 3 and 9 of shard 3/6
        progress.session_started(index, f"{index:02d}-demo")
    lines = stream.getvalue().splitlines()
    assert lines[1].startswith("[1/2] 03-demo") and lines[2].startswith("[2/2] 09-demo")
