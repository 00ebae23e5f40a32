"""`crosstalk new scenario NAME --from-call REC`: a recorded call (a crosstalk session, or two mono
files in another format) becomes a persona of the caller's lines and facts, a scenario replaying
the caller and one where the persona says the lines in a synthetic voice; placed, the agent hears
the caller's facts."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
import yaml
from crosstalk_harness.audiofile import read_audio, to_rate
from crosstalk_harness.commands.validate import find_problems
from crosstalk_harness.generate.from_call import (
    FromCallOptions,
    pulled_facts,
    scenario_from_call,
    spoken_digits,
)
from crosstalk_harness.rundir.documents import read_agent_events
from crosstalk_harness.rundir.layout import SessionPaths
from crosstalk_harness.runner import Progress, run_scenarios

from .calls import PlacedCall
from .conftest import run_crosstalk

pytestmark = pytest.mark.e2e  # real clock: in the one real-time lane (conftest.py)

ORDER = "42791"


def _mono_files(session_dir: Path, folder: Path) -> tuple[Path, Path]:
    """The call as a production system might keep it: one file per side, FLAC and OGG, 8 kHz."""
    audio = read_audio(SessionPaths(session_dir).recording)
    paths = (folder / "caller.flac", folder / "agent.ogg")
    for channel, path in zip(audio.channels, paths, strict=True):
        samples = to_rate(channel, audio.sample_rate, 8000).astype(np.float32)
        soundfile.write(path, samples, 8000, format=path.suffix[1:].upper())
    return paths


@pytest.fixture(scope="module")
def from_calls(quick_order_call: PlacedCall, tmp_path_factory: pytest.TempPathFactory):
    """Both recordings turned into scenarios once: name -> (output folder, what was written)."""
    made = {}
    session = tmp_path_factory.mktemp("from-session")
    options = FromCallOptions("order_call", out=session, recording=quick_order_call.session_dir)
    made["session"] = (session, scenario_from_call(options))
    mono = tmp_path_factory.mktemp("from-mono")
    caller, agent = _mono_files(quick_order_call.session_dir, mono)
    options = FromCallOptions("order_call", out=mono, caller=caller, agent=agent)
    made["mono"] = (mono, scenario_from_call(options))
    return made


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize("source", ["session", "mono"])
def test_a_recorded_call_becomes_a_persona_and_two_scenarios_that_validate(from_calls, source):
    out, written = from_calls[source]
    assert written.status == "wrote"
    assert sorted(p.name for p in (out / "scenarios").iterdir()) == [
        "order_call.yaml",
        "order_call_replay.yaml",
    ]
    assert find_problems((out / "personas", out / "scenarios")).lines == ()
    persona = _load(out / "personas" / "order_call.yaml")
    # the caller's lines, transcribed (a number read out digit by digit may come back in words)
    assert any(ORDER in spoken_digits(line) for line in persona["script"])
    assert ORDER in persona["facts"].values()
    replay = _load(out / "scenarios" / "order_call_replay.yaml")
    assert replay["caller"]["brain"] == "replay" and replay["persona"] == "order_call"
    scripted = _load(out / "scenarios" / "order_call.yaml")
    assert "caller" not in scripted  # the scripted persona, in the default synthetic voice


def test_the_recorded_calls_timing_is_the_baseline(from_calls, quick_order_call) -> None:
    out, _ = from_calls["session"]
    probes = json.loads((quick_order_call.session_dir / "probes.json").read_text())
    text = (out / "scenarios" / "order_call.yaml").read_text()
    assert "# The recorded call: " in text and "greeting latency" in text
    budgets = _load(out / "scenarios" / "order_call.yaml")["budgets"]
    recorded = probes["summary"]["response_latency"]["p95_ms"]
    assert (
        recorded < budgets["response_latency_p95_ms"] <= max(recorded * 1.5, recorded + 1000) + 100
    )


def test_the_replay_of_two_mono_files_names_both_sides(from_calls) -> None:
    out, _ = from_calls["mono"]
    replay = _load(out / "scenarios" / "order_call_replay.yaml")["caller"]["replay"]
    assert Path(replay["source"]) == out / "caller.flac"
    assert Path(replay["agent"]) == out / "agent.ogg"


def test_facts_are_pulled_from_the_callers_lines() -> None:
    facts = pulled_facts(["Hi, my name is Dana Fox.", "It's order 42,791 to 12 Baker Street."])
    assert facts == {"address": "12 Baker Street", "number": "42791", "name": "Dana Fox"}
    spoken = pulled_facts(["Number four, two, seven, nine, one.", "I have two cats and one dog."])
    assert spoken == {"number": "42791"}  # digits read one by one; counts in words are not facts


def test_a_second_generation_from_the_same_call_overwrites_nothing(from_calls, quick_order_call):
    out, _ = from_calls["session"]
    before = {p: p.read_text() for p in out.rglob("*.yaml")}
    again = scenario_from_call(
        FromCallOptions("order_call", out=out, recording=quick_order_call.session_dir)
    )
    assert again.status == "skipped"
    assert {p: p.read_text() for p in out.rglob("*.yaml")} == before


def test_bad_from_call_input_is_a_clear_error(tmp_path: Path) -> None:
    alone = run_crosstalk("new", "scenario", "x", "--caller", str(tmp_path / "a.wav"))
    assert alone.exit_code == 2 and "--caller FILE and --agent FILE" in alone.stderr
    missing = run_crosstalk("new", "scenario", "x", "--from-call", str(tmp_path / "none.wav"))
    assert missing.exit_code == 2 and "Traceback" not in missing.stderr


def _lookups(session_dir: Path) -> list[dict]:
    events, _ = read_agent_events(session_dir)
    return [
        e.data["arguments"]
        for e in events
        if e.type == "tool_call" and e.data["name"] == "lookup_order"
    ]


def test_the_scripted_variants_agent_hears_the_facts_in_text_mode(from_calls, tmp_path) -> None:
    out, _ = from_calls["mono"]
    scenario = out / "scenarios" / "order_call.yaml"
    progress = Progress(quiet=True)
    [session] = asyncio.run(run_scenarios([scenario], tmp_path, progress, mode="text")).sessions
    assert {"order_id": ORDER} in _lookups(Path(session.directory))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "scenario"),
    [("session", "order_call_replay"), ("mono", "order_call_replay"), ("mono", "order_call")],
)
def test_placed_in_audio_the_agent_hears_the_recorded_callers_facts(
    from_calls, source, scenario, tmp_path
):
    out, _ = from_calls[source]
    persona = _load(out / "personas" / "order_call.yaml")
    run = run_crosstalk("run", str(out / "scenarios" / f"{scenario}.yaml"), "--out", str(tmp_path))
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    [session] = json.loads((run_dir / "run.json").read_text())["sessions"]
    directory = Path(session["directory"])
    assert {"order_id": ORDER} in _lookups(directory), run.stderr
    if scenario.endswith("_replay"):  # every recorded caller turn was played
        events = SessionPaths(directory).events.read_text().splitlines()
        replayed = [line for line in events if '"caller_replay_turn"' in line]
        assert len(replayed) >= len(persona["script"])
