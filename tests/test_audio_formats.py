"""Recordings in the formats calls come in: WAV (any rate, int or float), FLAC, OGG Vorbis and
Opus, MP3; stereo or one mono file per side, for `crosstalk analyze` and the `replay` caller."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile
from crosstalk_harness.callers.replay import recorded_turns
from crosstalk_harness.config.models import ReplayConfig
from crosstalk_harness.errors import ConfigError
from crosstalk_harness.probes import analyze_prosody, analyze_recording, read_stereo
from crosstalk_harness.probes.recording import StereoRecording
from crosstalk_harness.testing.synthetic_calls import build_call

# (file name, soundfile format, subtype, sample rate, latency tolerance): lossy codecs smear
# edges a little, and Opus always decodes at 48 kHz.
FORMATS = [
    ("call.wav", "WAV", "PCM_16", 8_000, 20.0),
    ("call-float.wav", "WAV", "FLOAT", 44_100, 20.0),
    ("call.flac", "FLAC", "PCM_24", 22_050, 20.0),
    ("call.ogg", "OGG", "VORBIS", 32_000, 30.0),
    ("call.opus", "OGG", "OPUS", 48_000, 30.0),
    ("call.mp3", "MP3", "MPEG_LAYER_III", 24_000, 30.0),
]


def _write(path: Path, channels: list[np.ndarray], rate: int, fmt: str, subtype: str) -> None:
    soundfile.write(path, np.stack(channels, axis=1), rate, format=fmt, subtype=subtype)


def _true_latencies(truth) -> list[float]:
    return [(agent_start - caller_end) * 1000 for caller_end, agent_start in truth.responses]


@pytest.mark.parametrize(("name", "fmt", "subtype", "rate", "tolerance_ms"), FORMATS)
def test_each_format_is_decoded_and_timed_like_the_truth(
    tmp_path, name, fmt, subtype, rate, tolerance_ms
):
    caller, agent, truth = build_call(rate, 0, noise_db_below=30.0, tts=False)
    path = tmp_path / name
    _write(path, [caller, agent], rate, fmt, subtype)
    timing = analyze_recording(path)
    found = [response.latency_ms for response in timing.responses]
    assert len(found) == len(truth.responses), timing.responses
    errors = np.abs(np.subtract(found, _true_latencies(truth)))
    assert errors.max() <= tolerance_ms, errors
    assert len(timing.interruptions) == len(truth.interruptions)


@pytest.mark.parametrize(("name", "fmt", "subtype", "rate", "tolerance_ms"), FORMATS)
def test_each_format_gives_the_prosody_of_the_wav(tmp_path, name, fmt, subtype, rate, tolerance_ms):
    caller, agent, _ = build_call(rate, 0, noise_db_below=40.0, tts=True)
    reference = analyze_prosody(StereoRecording(rate, caller, agent))["sides"]
    path = tmp_path / name
    _write(path, [caller, agent], rate, fmt, subtype)
    measured = analyze_prosody(read_stereo(path))["sides"]
    for side in ("caller", "agent"):
        assert measured[side]["usable"], measured[side]
        assert abs(measured[side]["pitch_median_st"] - reference[side]["pitch_median_st"]) < 0.5
        assert abs(measured[side]["level_dbfs"] - reference[side]["level_dbfs"]) < 1.0


def test_two_mono_files_at_different_rates_are_one_call(crosstalk, tmp_path):
    caller, agent, truth = build_call(16_000, 1, noise_db_below=30.0, tts=False)
    _write(tmp_path / "caller.flac", [caller], 16_000, "FLAC", "PCM_16")
    agent_48k = np.interp(np.arange(len(agent) * 3) / 3, np.arange(len(agent)), agent)
    _write(tmp_path / "agent.ogg", [agent_48k[:-48_000]], 48_000, "OGG", "OPUS")  # ends early
    result = crosstalk(
        "analyze",
        "--caller",
        str(tmp_path / "caller.flac"),
        "--agent",
        str(tmp_path / "agent.ogg"),
        "--json",
    )
    assert result.exit_code == 0, result.stderr
    found = [response["latency_ms"] for response in result.json()["responses"]]
    assert len(found) == len(truth.responses)
    assert np.abs(np.subtract(found, _true_latencies(truth))).max() <= 30.0


@pytest.mark.parametrize(
    "problem", ["not audio", "unknown format", "stereo as a side", "only --caller", "both ways"]
)
def test_unreadable_or_ambiguous_input_is_one_line_naming_the_file_and_exit_2(
    crosstalk, tmp_path, problem
):
    stereo = tmp_path / "call.flac"
    _write(stereo, [np.zeros(8_000), np.zeros(8_000)], 8_000, "FLAC", "PCM_16")
    named = stereo
    if problem == "not audio":
        named = tmp_path / "call.mp3"
        named.write_text("this is not audio")
        args = [str(named)]
    elif problem == "unknown format":
        named = tmp_path / "call.m4a"
        named.write_bytes(b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00" + bytes(64))
        args = [str(named)]
    elif problem == "stereo as a side":
        args = ["--caller", str(stereo), "--agent", str(stereo)]
    elif problem == "only --caller":
        args, named = ["--caller", str(stereo)], None
    else:
        args, named = [str(stereo), "--agent", str(stereo)], None
    result = crosstalk("analyze", *args)
    assert result.exit_code == 2, result.stderr
    # libmpg123 may print a "Note:" of its own before our line
    [error_line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert error_line.startswith(f"error: {named}:" if named else "error: analyze:"), error_line
    assert "Traceback" not in result.stderr


def _speech_at(rate: int, spans: list[tuple[float, float]], seconds: float) -> np.ndarray:
    rng = np.random.default_rng(3)
    track = np.zeros(int(seconds * rate), dtype=np.float32)
    for start, end in spans:
        a, b = int(start * rate), int(end * rate)
        track[a:b] = (
            0.3 * np.sin(np.arange(b - a) * 2 * np.pi * 180 / rate) * rng.uniform(0.6, 1.0, b - a)
        )
    return track


def test_replay_reads_a_stereo_mp3_and_a_mono_pair_alike(tmp_path):
    rate = 16_000
    caller = _speech_at(rate, [(2.0, 3.0), (5.5, 6.5)], 8.0)
    agent = _speech_at(rate, [(0.2, 1.4), (3.6, 5.0)], 8.0)
    _write(tmp_path / "call.mp3", [caller, agent], rate, "MP3", "MPEG_LAYER_III")
    _write(tmp_path / "caller.ogg", [caller], rate, "OGG", "VORBIS")
    agent_24k = _speech_at(24_000, [(0.2, 1.4), (3.6, 5.0)], 7.0)  # own rate, ends earlier
    _write(tmp_path / "agent.flac", [agent_24k], 24_000, "FLAC", "PCM_16")
    stereo, _, _ = recorded_turns(ReplayConfig(source="call.mp3"), tmp_path)
    pair, samples, pair_rate = recorded_turns(
        ReplayConfig(source="caller.ogg", agent="agent.flac"), tmp_path
    )
    assert pair_rate == rate and samples.dtype == np.int16
    for turns in (stereo, pair):
        assert [round(turn.start_s, 1) for turn in turns] == [2.0, 5.5]
        # each caller turn came 0.6 s and 0.5 s after the agent stopped: kept on replay
        assert [round(turn.gap_s, 1) for turn in turns] == [0.6, 0.5]


def test_replay_names_the_setting_of_an_unreadable_file(tmp_path):
    (tmp_path / "caller.wav").write_text("not audio")
    with pytest.raises(ConfigError, match=r"caller\.wav: replay\.source: not a readable"):
        recorded_turns(ReplayConfig(source="caller.wav"), tmp_path)
