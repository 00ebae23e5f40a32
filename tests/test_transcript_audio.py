"""Transcript turns tied to their own audio on a real call with backchannels: each caller line's
times are its speech onset in call.wav and its `heard_as` is the agent's transcription of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from crosstalk_harness.errors import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE
from crosstalk_harness.judging.wer import word_error_rate
from crosstalk_harness.probes import analyze_recording

from .conftest import FIXTURES, run_crosstalk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def session(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("backchannel-turns")
    result = run_crosstalk(
        "run", str(FIXTURES / "scenarios" / "backchannel_turns.yaml"), "--out", str(out), "--json"
    )
    assert result.exit_code not in (EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE), result.stderr
    return Path(result.json()["sessions"][0]["directory"])


def _turns(session: Path) -> list[dict]:
    return json.loads((session / "transcript.json").read_text())["turns"]


def test_backchannels_are_turns_of_their_own_marked_as_such(session):
    said = json.loads((session / "caller_state.json").read_text())["backchannels"]
    assert said, "the persona backchannels while the agent talks"
    marked = [t for t in _turns(session) if t["backchannel"]]
    assert len(marked) == len(said)
    assert all(t["speaker"] == "caller" and t["text"] == "okay" for t in marked)


def test_every_caller_line_starts_at_its_speech_onset_in_the_recording(session):
    caller_onsets = [s[0] for s in analyze_recording(session / "call.wav").segments["caller"]]
    lines = [t for t in _turns(session) if t["speaker"] == "caller" and not t["backchannel"]]
    assert len(lines) == 3
    for line in lines:
        nearest = min(caller_onsets, key=lambda onset: abs(onset - line["start_s"]))
        assert abs(nearest - line["start_s"]) <= 0.1, (line, caller_onsets)


def test_each_caller_line_is_heard_as_its_own_words(session):
    """Whisper tiny misses words, so: of all the caller's lines, its own is the closest match."""
    lines = [t for t in _turns(session) if t["speaker"] == "caller" and not t["backchannel"]]
    for line in lines:
        assert line["heard_as"], line
        own = word_error_rate(line["text"], line["heard_as"])
        others = [word_error_rate(o["text"], line["heard_as"]) for o in lines if o is not line]
        assert own < min(others), (line, own, others)
