"""Accuracy and speed of the prosody probe (harness/probes/prosody.py, pitch.py).

Accuracy against truth the tracker did not produce:
- constructed signals: harmonic tones (8 harmonics, 1/k) following a known f0 contour (base
  80-260 Hz, a sinusoidal swing of 0-6 semitones), at a known RMS level (-38 to -10 dBFS), with
  white noise 15-30 dB under them: pitch-median error (semitones) and level error (dB), for this
  tracker and, for comparison, librosa.yin and librosa.pyin on the same voiced frames;
- offline voices: the caller's toned TTS (a +2 semitone, -6 dB and 1.2x-pace shift) and the
  engines' own settings (espeak words_per_minute 165 -> 198, Piper pitch 50 -> 70 = +2 st),
  on three sentences each: the measured change against the setting;
- flat against expressive: espeak's intonation 0 against its own (50), pitch variation per turn;
- a recorded human voice (amfm-decompy's utterance): this tracker's median against pyin's.

Speed: `analyze` on a 10-minute stereo call (the probes benchmark's generator), timing alone and
timing + prosody, as a multiple of real time on one core (target for timing alone: >= 500x).

    python benchmarks/prosody.py [--signals 40] [--minutes 10] [--json]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from crosstalk_harness.backends import Voice, voices  # noqa: E402
from crosstalk_harness.backends.offline.toned import TonedTTS  # noqa: E402
from crosstalk_harness.backends.voices import VoiceShift  # noqa: E402
from crosstalk_harness.probes import StereoRecording, analyze, analyze_prosody  # noqa: E402
from crosstalk_harness.probes.pitch import semitones  # noqa: E402
from crosstalk_harness.probes.prosody import ProsodyOptions, measure_turn  # noqa: E402
from crosstalk_harness.testing.real_speech import utterance  # noqa: E402
from crosstalk_harness.testing.synthetic_calls import build_call  # noqa: E402

RATE = 16_000
SENTENCES = (
    "Hello, I am calling about my order, it has not arrived yet and I am worried about it.",
    "Could you tell me when the engineer is coming to fix the boiler?",
    "Thank you, that is all I needed to know today.",
)


def _stats(values: list[float]) -> dict[str, float]:
    errors = np.abs(np.asarray(values))
    return {
        "p50": round(float(np.percentile(errors, 50)), 3),
        "p95": round(float(np.percentile(errors, 95)), 3),
        "max": round(float(errors.max()), 3),
    }


def _signal(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, float]:
    t = np.arange(int(rng.uniform(1.5, 3.0) * RATE)) / RATE
    contour = rng.uniform(80, 260) * 2 ** (
        rng.uniform(0, 6) * np.sin(2 * np.pi * rng.uniform(0.3, 1.2) * t) / 12
    )
    phase = 2 * np.pi * np.cumsum(contour) / RATE
    tone = sum(np.sin(k * phase) / k for k in range(1, 9))
    noise = rng.normal(0, 1, tone.size)
    noise *= np.sqrt(np.mean(tone**2) / np.mean(noise**2)) * 10 ** (-rng.uniform(15, 30) / 20)
    level = rng.uniform(-38, -10)
    signal = (tone + noise) * 10 ** (level / 20) / np.sqrt(np.mean((tone + noise) ** 2))
    return signal, contour, level


def _turn(samples: np.ndarray, rate: int, words: int | None = None):
    padded = np.concatenate([np.zeros(rate // 2), samples, np.zeros(rate // 2)])
    return measure_turn(
        padded, rate, ("caller", 0.0, len(padded) / rate), words, 1, ProsodyOptions()
    )


def constructed(count: int) -> dict[str, object]:
    import librosa

    rng = np.random.default_rng(26)
    ours, levels, yin, pyin = [], [], [], []
    seconds, spent = 0.0, {"ours": 0.0, "librosa.yin": 0.0, "librosa.pyin": 0.0}
    hop = RATE // 100
    librosa.yin(np.zeros(RATE), fmin=60, fmax=450, sr=RATE, frame_length=1024, hop_length=hop)
    started = time.perf_counter()
    librosa.pyin(np.zeros(RATE), fmin=60, fmax=450, sr=RATE, frame_length=1024, hop_length=hop)
    pyin_first = time.perf_counter() - started
    for _ in range(count):
        signal, contour, level = _signal(rng)
        truth = float(np.median(semitones(contour)))
        seconds += signal.size / RATE
        started = time.perf_counter()
        turn = _turn(signal, RATE)
        spent["ours"] += time.perf_counter() - started
        ours.append(turn.pitch_median_st - truth)
        levels.append(turn.level_dbfs - level)
        started = time.perf_counter()
        f0 = librosa.yin(signal, fmin=60, fmax=450, sr=RATE, frame_length=1024, hop_length=hop)
        spent["librosa.yin"] += time.perf_counter() - started
        yin.append(float(np.median(semitones(f0))) - truth)
        started = time.perf_counter()
        f0, voiced, _ = librosa.pyin(
            signal, fmin=60, fmax=450, sr=RATE, frame_length=1024, hop_length=hop
        )
        spent["librosa.pyin"] += time.perf_counter() - started
        pyin.append(float(np.median(semitones(f0[voiced]))) - truth if voiced.any() else 99.0)
    return {
        "signals": count,
        "pitch_median_error_st": {
            "ours": _stats(ours),
            "librosa.yin": _stats(yin),
            "librosa.pyin": _stats(pyin),
        },
        "level_error_db": _stats(levels),
        "x_real_time": {name: round(seconds / max(s, 1e-9), 1) for name, s in spent.items()},
        "pyin_first_call_s": round(pyin_first, 1),
    }


def _speak(engine: str, text: str, shift: VoiceShift, **voice_fields: object):
    voice = Voice(engine=engine, **voice_fields)
    tts = TonedTTS(voices.engine(engine).build_tts(voice, RATE), voice, {text: shift})

    async def render() -> bytes:
        return b"".join([pcm async for pcm in tts.pcm_pieces(text)])

    pcm = np.frombuffer(asyncio.run(render()), np.int16).astype(np.float32) / 32768
    return _turn(pcm, RATE, words=len(text.split()))


def voices_truth() -> dict[str, object]:
    results: dict[str, object] = {}
    cases = {
        "toned +2 st": (VoiceShift(semitones=2.0), {}, "pitch", 2.0),
        "toned -6 dB": (VoiceShift(gain_db=-6.0), {}, "level", -6.0),
        "toned pace 1.2": (VoiceShift(pace=1.2), {}, "rate", 1.2),
        "espeak words_per_minute 198": (VoiceShift(), {"words_per_minute": 198}, "rate", 1.2),
        "piper pitch 70 (+2 st)": (VoiceShift(), {"pitch": 70}, "pitch", 2.0),
    }
    for engine in ("espeak", "piper"):
        for name, (shift, fields, figure, wanted) in cases.items():
            if name.split()[0] in ("espeak", "piper") and not name.startswith(engine):
                continue
            measured = []
            for text in SENTENCES:
                base, changed = (
                    _speak(engine, text, VoiceShift()),
                    _speak(engine, text, shift, **fields),
                )
                if figure == "pitch":
                    measured.append(changed.pitch_median_st - base.pitch_median_st)
                elif figure == "level":
                    measured.append(changed.level_dbfs - base.level_dbfs)
                else:
                    measured.append(changed.wpm / base.wpm)
            results[f"{engine}: {name}"] = {
                "setting": wanted,
                "measured": [round(m, 2) for m in measured],
                "worst_error": round(max(abs(m - wanted) for m in measured), 2),
            }
    flat = [_speak("espeak", t, VoiceShift(), intonation=0).pitch_variation_st for t in SENTENCES]
    lively = [_speak("espeak", t, VoiceShift()).pitch_variation_st for t in SENTENCES]
    results["espeak variation: intonation 0 vs 50 (st)"] = {"flat": flat, "expressive": lively}
    return results


def human_voice() -> dict[str, float]:
    import librosa

    samples, rate = utterance()
    turn = _turn(samples.astype(np.float64), rate)
    f0, voiced, _ = librosa.pyin(
        samples.astype(np.float64),
        fmin=60,
        fmax=450,
        sr=rate,
        frame_length=1024,
        hop_length=rate // 100,
    )
    reference = float(np.median(semitones(f0[voiced])))
    return {
        "ours_st": turn.pitch_median_st,
        "pyin_st": round(reference, 2),
        "difference_st": round(turn.pitch_median_st - reference, 2),
    }


def speed(minutes: float) -> dict[str, float]:
    parts = [build_call(RATE, seed, noise_db_below=30.0, tts=False) for seed in range(4)]
    caller = np.concatenate([p[0] for p in parts])
    agent = np.concatenate([p[1] for p in parts])
    repeat = int(np.ceil(minutes * 60 * RATE / caller.size))
    caller, agent = np.tile(caller, repeat), np.tile(agent, repeat)
    recording = StereoRecording(RATE, caller.astype(np.float32), agent.astype(np.float32))
    analyze_prosody(StereoRecording(RATE, caller[: RATE * 5], agent[: RATE * 5]))  # warm
    started = time.perf_counter()
    analyze(recording)
    timing = time.perf_counter() - started
    started = time.perf_counter()
    analyze_prosody(recording)
    prosody = time.perf_counter() - started
    return {
        "audio_s": round(recording.duration_s, 1),
        "timing_alone_x_real_time": round(recording.duration_s / timing, 1),
        "timing_and_prosody_x_real_time": round(recording.duration_s / (timing + prosody), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signals", type=int, default=40)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    figures = {
        "constructed": constructed(args.signals),
        "voices": voices_truth(),
        "human_voice": human_voice(),
        "speed": speed(args.minutes),
    }
    print(json.dumps(figures, indent=2 if not args.json else None))


if __name__ == "__main__":
    main()
