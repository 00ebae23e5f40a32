"""The report and results files, rendered from run directories built in code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from crosstalk_harness.reports.html import marked_parts
from crosstalk_harness.reports.outputs import write_run_outputs
from crosstalk_harness.testing.run_dirs import FakeSession, judgement, write_run

from .conftest import run_crosstalk

HOSTILE = "<script>window.pwned = 1</script> \"double\" & 'single' </li><b>bold?</b>"


def _report(directory: Path) -> str:
    write_run_outputs(directory)
    return (directory / "report.html").read_text(encoding="utf-8")


def test_transcript_text_with_script_and_quotes_is_shown_as_text(tmp_path):
    lines = (("agent", "Hello."), ("caller", HOSTILE), ("agent", "Sure."))
    hostile_judgement = judgement(rationale='<img src=x onerror="window.pwned=2">')
    run = write_run(tmp_path, [FakeSession(lines=lines, judgement=hostile_judgement)])
    page = _report(run)
    assert "<script>window.pwned" not in page
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    assert "&#34;double&#34; &amp; &#39;single&#39;" in page
    assert "<b>bold?</b>" not in page
    assert '<img src=x onerror="window.pwned=2">' not in page
    assert "&lt;img src=x onerror=" in page
    assert len(re.findall(r"<script\b", page)) == 1  # the report's own script, nothing else


def test_a_report_is_self_contained(tmp_path):
    run = write_run(tmp_path, [FakeSession()])
    page = _report(run)
    assert "data:audio/ogg;base64," in page  # the recording, compressed, both channels
    assert "data:image/png;base64," in page  # the latency chart
    assert not re.search(r'(src|href)="https?://', page)
    assert "@media print" in page


def test_session_sections_have_timeline_player_and_seekable_turns(tmp_path):
    events = [
        {"t": 1.0, "type": "guardrail", "data": {"action": "hold", "rule": "pii", "reason": "r"}},
        {"t": 2.0, "type": "thinker_result", "data": {"text": "plan"}},
        {"t": 2.5, "type": "tool_call", "data": {"name": "lookup_order"}},
    ]
    run = write_run(tmp_path, [FakeSession(agent_events=events, judgement=judgement())])
    page = _report(run)
    turns = re.findall(r'<li class="turn (\w+)[^"]*"[^>]*data-seek="([\d.]+)"', page)
    assert [speaker for speaker, _ in turns] == ["agent", "caller", "agent", "caller", "agent"]
    assert float(turns[1][1]) > float(turns[0][1])
    assert page.count('<rect class="seg ') == 5
    for kind in ("guardrail", "thinker", "tool"):
        assert f'<circle class="ev {kind}"' in page
    assert "<mark>shipped yesterday</mark>" in page  # judge evidence, highlighted in its turn
    assert "The agent gave the delivery day." in page


def test_failures_come_first_with_their_reasons(tmp_path):
    run = write_run(
        tmp_path,
        [
            FakeSession(scenario="good"),
            FakeSession(scenario="slow", failures=["response_latency_p95_ms 4000 ms exceeds"]),
            FakeSession(scenario="rude", judgement=judgement(passed=False, score=0.2)),
        ],
    )
    page = _report(run)
    failures = page[page.index('id="failures"') : page.index('id="speed"')]
    assert "slow" in failures and "rude" in failures and "good" not in failures
    assert "response_latency_p95_ms 4000 ms exceeds" in failures
    assert "helpful: never gave the delivery day" in failures
    calls = page[page.index('id="sessions"') :]
    order = re.findall(r'<details class="session sess-filter" id="s-\d+-(\w+)"', calls)
    assert order == ["slow", "rude", "good"]


def test_broken_and_unfinished_sessions_are_marked_and_the_rest_still_reported(tmp_path):
    run = write_run(
        tmp_path,
        [
            FakeSession(scenario="fine"),
            FakeSession(scenario="crashed", status="running"),
            FakeSession(scenario="cancelled", status="cancelled"),
            FakeSession(scenario="garbled"),
        ],
        run_json=False,
    )
    garbled = next(run.glob("*-garbled"))
    (garbled / "probes.json").write_text("{not json")
    (garbled / "transcript.json").write_text('{"turns": "nonsense"}')
    (garbled / "events.jsonl").write_text('{"t": 0, "type": "call_started"}\n{"t": 1, "ty')
    (run / "05-empty").mkdir()  # a folder without session.json is not a session
    outputs = write_run_outputs(run)
    page = (run / "report.html").read_text()
    assert "Incomplete run" in page
    assert "the run stopped during this call" in page
    assert "cancelled before the call finished" in page
    assert "probes.json: unreadable" in page
    assert "events.jsonl: 1 unreadable line(s) skipped" in page
    counts = outputs.results["counts"]
    assert counts == {"sessions": 4, "passed": 2, "failed": 1, "inconclusive": 1, "errors": 1}
    assert outputs.results["passed"] is False and outputs.results["complete"] is False


def test_results_json_and_tables(tmp_path):
    sessions = [
        FakeSession(repeat=r, repeats=3, tags=["smoke"], latencies_ms=[700 + 100 * r, 900])
        for r in range(3)
    ]
    sessions[2].failures = ["too slow"]
    run = write_run(tmp_path, sessions)
    outputs = write_run_outputs(run)
    document = json.loads((run / "results.json").read_text())
    assert document["schema"] == "crosstalk.results/3"
    assert document == json.loads(json.dumps(outputs.results))
    [cell] = document["cells"]
    assert (cell["sessions"], cell["passed"], cell["k"]) == (3, 2, 3)
    assert cell["pass_rate"] == 0.667 and cell["pass_hat_k"] == 0.0  # 3 of 3 never all passed
    assert cell["response_latency_ms"]["count"] == 6
    assert cell["budgets"] == {"response_latency_p95_ms": 3000.0}
    assert document["sessions"][2]["reasons"] == ["too slow"]
    assert document["sessions"][0]["response_latencies_ms"] == [700.0, 900.0]
    table = pd.read_csv(run / "results.csv")
    assert list(table["repeat"]) == [0, 1, 2]
    assert list(table["passed"]) == [True, True, False]
    turns = pd.read_csv(run / "turns.csv")
    assert len(turns) == 15 and set(turns["speaker"]) == {"agent", "caller"}
    expected = [700.0, 900.0, 800.0, 900.0, 900.0, 900.0]  # each agent reply's measured gap
    assert turns["response_latency_ms"].dropna().tolist() == expected


def test_filters_cover_tags_and_personas(tmp_path):
    run = write_run(
        tmp_path,
        [FakeSession(persona="angry", tags=["smoke", "billing"]), FakeSession(persona="calm")],
    )
    page = _report(run)
    assert "<option>billing</option><option>smoke</option>" in page
    assert "<option>angry</option><option>calm</option>" in page
    assert 'data-tags="smoke billing" data-persona="angry"' in page


def test_history_folder_adds_trends(tmp_path):
    for index, latency in enumerate((700, 800, 900)):
        write_run(tmp_path, [FakeSession(latencies_ms=[latency])], run_id=f"2026010{index}-run")
    current = tmp_path / "20260103-run"
    write_run(tmp_path, [FakeSession(latencies_ms=[1000])], run_id=current.name)
    write_run(tmp_path, [FakeSession(scenario="other")], run_id="20260104-other-suite")
    write_run_outputs(current, history=tmp_path, last=3)
    page = (current / "report.html").read_text()
    assert "Trends over the last 3 runs" in page


def test_evidence_quotes_are_split_out_for_highlighting():
    parts = marked_parts("It shipped YESTERDAY, on time.", ["shipped yesterday", "absent"])
    assert parts == [("It ", False), ("shipped YESTERDAY", True), (", on time.", False)]


def test_report_command_rebuilds_from_files_and_rejects_non_runs(tmp_path):
    run = write_run(tmp_path, [FakeSession()])
    result = run_crosstalk("report", str(run), "--audio", "link")
    assert result.exit_code == 0, result.stderr
    page = (run / "report.html").read_text()
    assert "data:audio" not in page and 'src="01-order_status/call.wav"' in page
    bad = run_crosstalk("report", str(tmp_path / "nope"))
    assert bad.exit_code == 2 and "no such run directory" in bad.stderr


def test_embedded_audio_keeps_both_channels_apart(tmp_path):
    import base64
    import io

    import av
    import numpy as np
    from crosstalk_harness.reports.audio import embed_audio

    run = write_run(tmp_path, [FakeSession()])
    session_dir = next(run.glob("01-*"))
    audio = embed_audio(session_dir / "call.wav")
    assert (
        audio.mime.startswith("audio/ogg")
        and audio.bytes < (session_dir / "call.wav").stat().st_size / 5
    )
    data = base64.b64decode(audio.uri.split(",", 1)[1])
    with av.open(io.BytesIO(data)) as container:
        decoded = np.concatenate(
            [
                f.to_ndarray().T if f.format.is_planar else f.to_ndarray().reshape(-1, 2)
                for f in container.decode(audio=0)
            ]
        ).astype(float)
    rate = 48_000  # Opus decodes at 48 kHz
    turns = json.loads((session_dir / "transcript.json").read_text())["turns"]
    for turn in turns:
        middle = slice(int((turn["start_s"] + 0.3) * rate), int((turn["end_s"] - 0.3) * rate))
        left, right = (np.sqrt(np.mean(decoded[middle, c] ** 2)) for c in (0, 1))
        loud, quiet = (left, right) if turn["speaker"] == "caller" else (right, left)
        assert loud > 20 * quiet, turn  # caller on the left, agent on the right, unmixed


def test_report_json_lists_each_run_with_its_files(tmp_path):
    run = write_run(tmp_path, [FakeSession()])
    result = run_crosstalk("report", str(run), "--audio", "none", "--json")
    assert result.exit_code == 0, result.stderr
    [entry] = json.loads(result.stdout)
    assert entry["directory"] == str(run) and entry["outcome"] == "passed"
    assert str(run / "report.html") in entry["files"]
