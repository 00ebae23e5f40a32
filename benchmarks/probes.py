"""Accuracy and speed of the timing probes.

Accuracy: speech-edge error (p50/p95/max, ms) on two ground-truth sets. The synthetic set is the
tests' generator (speech-like signals and espeak TTS at 16/24/48 kHz, clean and with noise 30 dB
below speech): every response's caller end and agent start, every barge-in's start and the
agent's stop. The real set (harness/testing/real_speech.py) is recorded human speech placed on a
two-channel timeline with barge-ins in recorded backgrounds: every turn's start and end. Target:
real p95 <= 40 ms without losing the synthetic accuracy.

Speed: a multiple of real time on one core. Target: >= 500x. Builds a 10-minute stereo call
(speech-like turns with barge-ins and steady noise 30 dB below speech, from the ground-truth
generator the tests use), writes it as a 16-bit WAV, and times `analyze_recording` on it
(reading the file included), pinned to one core with one BLAS thread.

    python benchmarks/probes.py [--minutes 10] [--rates 16000 48000] [--json] [--skip-speed]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import wave  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from crosstalk_harness.probes import StereoRecording, analyze, analyze_recording  # noqa: E402
from crosstalk_harness.probes.activity import speech_segments  # noqa: E402
from crosstalk_harness.testing.real_speech import real_set_edge_errors  # noqa: E402
from crosstalk_harness.testing.synthetic_calls import build_call  # noqa: E402

SYNTHETIC_CALLS = 4
REAL_CALLS = 16


def _synthetic_edge_errors() -> list[float]:
    errors: list[float] = []
    for rate in (16_000, 24_000, 48_000):
        for noise in (None, 30.0):
            for tts in (False, True):
                for seed in range(SYNTHETIC_CALLS):
                    caller, agent, truth = build_call(rate, seed, noise_db_below=noise, tts=tts)
                    timing = analyze(StereoRecording(rate, caller, agent))
                    for found, (end, start) in zip(timing.responses, truth.responses, strict=True):
                        errors += [abs(found.caller_end_s - end), abs(found.agent_start_s - start)]
                    for found, (start, stop, _) in zip(
                        timing.interruptions, truth.interruptions, strict=True
                    ):
                        errors += [abs(found.start_s - start), abs(found.agent_stop_s - stop)]
    return [error * 1000 for error in errors]


def _real_edge_errors(noise_db_below: float) -> tuple[list[float], int]:
    return real_set_edge_errors(speech_segments, REAL_CALLS, noise_db_below)


def accuracy(as_json: bool) -> None:
    rows = [("synthetic (speech-like + TTS, 3 rates, clean + 30 dB)", _synthetic_edge_errors(), 0)]
    for noise in (35.0, 30.0):
        errors, wrong = _real_edge_errors(noise)
        rows.append((f"real speech, recorded backgrounds {noise:.0f} dB below", errors, wrong))
    for name, errors, wrong in rows:
        p50, p95 = np.percentile(errors, [50, 95])
        figure = {
            "set": name,
            "edges": len(errors),
            "p50_ms": round(float(p50), 1),
            "p95_ms": round(float(p95), 1),
            "max_ms": round(float(max(errors)), 1),
            "wrong_segments": wrong,
        }
        if as_json:
            print(json.dumps(figure))
        else:
            print(
                f"{name}: {len(errors)} edges, error p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
                f"max {max(errors):.1f} ms; segments missed or extra: {wrong}"
            )


def _write_call(path: Path, rate: int, minutes: float) -> float:
    caller_parts, agent_parts, seconds, seed = [], [], 0.0, 0
    while seconds < minutes * 60:
        caller, agent, _ = build_call(rate, seed, noise_db_below=30.0, tts=False)
        caller_parts.append(caller)
        agent_parts.append(agent)
        seconds += len(caller) / rate
        seed += 1
    stereo = np.stack([np.concatenate(caller_parts), np.concatenate(agent_parts)], axis=1)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes((np.clip(stereo, -1, 1) * 32767).astype("<i2").tobytes())
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[16_000, 48_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-speed", action="store_true", help="accuracy tables only")
    args = parser.parse_args()
    accuracy(args.json)
    if args.skip_speed:
        return
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    print(
        f"probes benchmark on {platform.machine()}, one core, Python {platform.python_version()}",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as scratch:
        for rate in args.rates:
            path = Path(scratch) / f"call-{rate}.wav"
            audio_s = _write_call(path, rate, args.minutes)
            timings = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                analyze_recording(path)
                timings.append(time.perf_counter() - started)
            best, median = min(timings), float(np.median(timings))
            figure = {
                "sample_rate": rate,
                "audio_s": round(audio_s, 1),
                "median_s": round(median, 4),
                "x_real_time": round(audio_s / median),
            }
            if args.json:
                print(json.dumps(figure))
            else:
                print(
                    f"{rate} Hz: {audio_s:.0f} s of stereo audio analysed in "
                    f"{median * 1000:.0f} ms "
                    f"(median of {args.repeats}, best {best * 1000:.0f} ms): "
                    f"{figure['x_real_time']}x real time"
                )


if __name__ == "__main__":
    main()
