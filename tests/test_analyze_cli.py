"""`crosstalk analyze` on any stereo WAV: the documented JSON shape, channel choice, bad input."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from crosstalk_harness.testing.synthetic_calls import build_call

RATE = 16_000


def _write(path, channels: list[np.ndarray]) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(len(channels))
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        interleaved = np.stack(channels, axis=1)
        wav.writeframes((np.clip(interleaved, -1, 1) * 32767).astype("<i2").tobytes())


@pytest.fixture
def recording(tmp_path):
    caller, agent, truth = build_call(RATE, 0, noise_db_below=30.0, tts=False)
    path = tmp_path / "call.wav"
    _write(path, [caller, agent])
    return path, truth


def test_json_output_has_the_documented_shape(crosstalk, recording):
    path, truth = recording
    result = crosstalk("analyze", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    document = result.json()
    assert set(document) >= {"segments", "responses", "interruptions", "summary"}
    assert set(document["segments"]) == {"caller", "agent"}
    assert all(len(span) == 2 for span in document["segments"]["caller"])
    assert len(document["responses"]) == len(truth.responses)
    assert set(document["responses"][0]) >= {"caller_end_s", "agent_start_s", "latency_ms"}
    [interruption] = document["interruptions"]
    assert set(interruption) >= {"start_s", "agent_stop_s", "stop_latency_ms", "recovery_ms"}
    prosody = document["prosody"]
    assert [turn["side"] for turn in prosody["turns"]][:3] == ["agent", "caller", "agent"]
    assert set(prosody["turns"][0]) >= {
        "index",
        "start_s",
        "end_s",
        "wpm",
        "pitch_median_st",
        "pitch_range_st",
        "level_dbfs",
        "pitch_variation_st",
        "pauses",
        "trailing_off",
    }
    assert set(prosody["sides"]["agent"]) >= {"wpm_median", "level_spread_db", "arousal_trend"}


def test_swapped_channels_swap_the_roles(crosstalk, recording):
    path, _ = recording
    normal = crosstalk("analyze", str(path), "--json").json()
    swapped = crosstalk(
        "analyze", str(path), "--json", "--caller-channel", "1", "--agent-channel", "0"
    ).json()
    assert swapped["segments"]["caller"] == normal["segments"]["agent"]


def test_human_readable_output_lists_each_response(crosstalk, recording):
    path, truth = recording
    result = crosstalk("analyze", str(path))
    assert result.exit_code == 0
    assert result.stdout.count("agent starts") == len(truth.responses)
    assert "{" not in result.stdout, "no Python dicts in the readable output"
    assert "by the caller" in result.stdout.splitlines()[0]
    assert "prosody" in result.stdout and "caller rate" in result.stdout
    assert "agent  rate" in result.stdout and "trail" in result.stdout


@pytest.mark.parametrize("problem", ["missing", "mono", "not audio", "bad channel"])
def test_bad_input_is_one_line_and_exit_2(crosstalk, tmp_path, problem):
    path = tmp_path / "rec.wav"
    args = []
    if problem == "mono":
        _write(path, [np.zeros(RATE)])
    elif problem == "not audio":
        path.write_text("this is not a wav file")
    elif problem == "bad channel":
        _write(path, [np.zeros(RATE), np.zeros(RATE)])
        args = ["--agent-channel", "3"]
    result = crosstalk("analyze", str(path), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}")
    assert "Traceback" not in result.stderr


def test_timing_only_leaves_the_prosody_out(crosstalk, recording):
    path, _ = recording
    document = crosstalk("analyze", str(path), "--timing-only", "--json").json()
    assert "prosody" not in document and document["responses"]
