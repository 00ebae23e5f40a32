"""The Piper voice: repeatable audio, trimmed edges, its own pauses, pitch shift, config errors."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys

import numpy as np
import pytest
from crosstalk_harness.backends import Voice
from crosstalk_harness.backends.offline import piper
from crosstalk_harness.config import load_scenario
from crosstalk_harness.config.models import AgentConfig
from crosstalk_harness.errors import ConfigError

RATE = 16_000
DEMO_LINES = ("Sure, the order number is 42791.", "Please deliver it to 12 Baker Street.")
SPEAK = """
import asyncio, hashlib, sys
from crosstalk_harness.backends.offline import piper
from crosstalk_harness.backends import Voice
async def main():
    tts = piper.build_tts(Voice(pitch=40), sample_rate=16000)
    digest = hashlib.sha256()
    for text in sys.argv[1:]:
        async with tts.synthesize(text) as stream:
            async for audio in stream:
                digest.update(bytes(audio.frame.data))
    print(digest.hexdigest())
asyncio.run(main())
"""


async def _speak(voice: Voice, text: str) -> list[bytes]:
    """The audio of `text`, one entry per frame the TTS emitted."""
    tts = piper.build_tts(voice, sample_rate=RATE)
    frames = []
    async with tts.synthesize(text) as stream:
        async for audio in stream:
            frames.append(bytes(audio.frame.data))
    return frames


def _samples(frames: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(frames), dtype=np.int16)


def _loud_spans(samples: np.ndarray, window_s: float = 0.005) -> list[tuple[float, float]]:
    """(start_s, end_s) of each stretch of sound, gaps of silence between them."""
    window = round(window_s * RATE)
    usable = samples[: samples.size - samples.size % window].astype(np.float64)
    energy = np.sqrt(np.mean(usable.reshape(-1, window) ** 2, axis=1))
    loud = energy > energy.max() * 10 ** (-40 / 20)
    spans, start = [], None
    for index, is_loud in enumerate([*loud, False]):
        if is_loud and start is None:
            start = index
        elif not is_loud and start is not None:
            spans.append((start * window_s, index * window_s))
            start = None
    return spans


def test_a_scripted_callers_speech_is_byte_identical_across_processes():
    command = [sys.executable, "-c", SPEAK, *DEMO_LINES]
    runs = [subprocess.run(command, capture_output=True, text=True, timeout=120) for _ in "ab"]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr
    in_process = hashlib.sha256()
    voice = Voice(pitch=40)
    for text in DEMO_LINES:
        for frame in asyncio.run(_speak(voice, text)):
            in_process.update(frame)
    assert runs[0].stdout.strip() == runs[1].stdout.strip() == in_process.hexdigest()


def test_edges_are_trimmed_to_the_fixed_pad_and_end_in_the_sentence_pause():
    samples = _samples(asyncio.run(_speak(Voice(), "Good morning.")))
    spans = _loud_spans(samples)
    lead = spans[0][0]
    tail = samples.size / RATE - spans[-1][1]
    assert lead <= piper.LEAD_PAD_S + 0.01
    expected_tail = piper.TAIL_PAD_S + piper.SENTENCE_PAUSE_S
    assert expected_tail - 0.01 <= tail <= expected_tail + 0.02


def test_each_sentence_is_pushed_as_soon_as_it_is_ready_with_a_pause_between():
    voice = Voice()
    one = _samples(asyncio.run(_speak(voice, "Thank you.")))
    two = _samples(asyncio.run(_speak(voice, "Thank you. That is all.")))
    # the first sentence's audio is the same whether or not another follows it
    assert np.array_equal(two[: one.size], one)
    gaps = [b[0] - a[1] for a, b in zip(_loud_spans(two), _loud_spans(two)[1:], strict=False)]
    assert max(gaps) >= piper.SENTENCE_PAUSE_S + piper.TAIL_PAD_S


def _pitch_hz(samples: np.ndarray) -> float:
    """Median autocorrelation pitch of the voiced 40 ms windows."""
    window, pitches = round(0.04 * RATE), []
    for start in range(0, samples.size - window, window):
        chunk = samples[start : start + window].astype(np.float64)
        if np.sqrt(np.mean(chunk**2)) < 0.1 * np.abs(samples).max() / 4:
            continue
        corr = np.correlate(chunk, chunk, "full")[window - 1 :]
        low, high = RATE // 300, RATE // 60
        pitches.append(RATE / (low + int(np.argmax(corr[low:high]))))
    return float(np.median(pitches))


def test_a_pitch_shift_raises_the_pitch_and_keeps_the_pace():
    text = "I would like to change the delivery address please."
    natural = _samples(asyncio.run(_speak(Voice(pitch=50), text)))
    higher = _samples(asyncio.run(_speak(Voice(pitch=80), text)))
    ratio = _pitch_hz(higher) / _pitch_hz(natural)
    assert ratio == pytest.approx(2 ** (3 / 12), rel=0.08)  # 30 steps: three semitones up
    assert higher.size == pytest.approx(natural.size, rel=0.1)


def test_caller_and_agent_default_voices_differ():
    caller, agent = Voice(), AgentConfig().voice
    assert caller.engine == agent.engine == "piper"
    assert abs(caller.pitch - agent.pitch) >= 20  # at least two semitones apart


def test_long_digit_strings_are_read_digit_by_digit():
    assert piper.speakable("order 42791, 12 Baker Street") == "order 4 2 7 9 1, 12 Baker Street"


def _scenario_with_voice(tmp_path, voice_yaml: str):
    persona = tmp_path / "p.yaml"
    persona.write_text(f"name: p\ngoal: Ask.\nscript: [Hello.]\nvoice: {voice_yaml}\n")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: s\npersona: {persona}\n")
    return persona, scenario


@pytest.mark.parametrize(
    ("voice_yaml", "field", "message"),
    [
        ("{engine: pipr}", "voice.engine", "expected one of piper, espeak"),
        ("{piper: en_GB-nobody-medium}", "voice.piper", "no Piper voice named"),
        ("{piper: /nowhere/voice.onnx}", "voice.piper", "not found"),
    ],
)
def test_a_wrong_or_missing_voice_is_a_file_line_error(tmp_path, voice_yaml, field, message):
    persona, scenario = _scenario_with_voice(tmp_path, voice_yaml)
    with pytest.raises(ConfigError) as caught:
        load_scenario(scenario)
    assert f"{persona}:4:" in str(caught.value) and field in str(caught.value)
    assert message in str(caught.value)


def test_the_shipped_voice_is_found_inside_the_installed_package():
    path = piper.find_piper_model("en_US-joe-medium")
    assert path.name == "en_US-joe-medium.onnx" and "site-packages" in str(path)


def test_no_pause_inside_a_line_is_long_enough_for_the_agent_to_take_the_turn():
    from crosstalk_agent.config import TurnConfig

    samples = _samples(asyncio.run(_speak(Voice(), "Sure, the order is late.")))
    spans = _loud_spans(samples)
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    assert len(spans) >= 2  # the comma is a pause of our own
    assert max(gaps) <= piper.CLAUSE_PAUSE_S + piper.LEAD_PAD_S + piper.TAIL_PAD_S + 0.01
    assert max(gaps) < TurnConfig().silence_s
